import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem, NO_PROBLEM } from '../../lib/api-problem.js';
import { onSubmit } from '../../lib/forms.js';
import { type Tenant, trpc } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { Field, FormMessage, SelectField, TextAreaField } from '../../ui/field.js';
import { toast } from '../../ui/toast.js';
import { tierLabel } from '../common/upgrade-prompt.js';

const TIERS = ['basic', 'professional', 'enterprise'] as const;
type Tier = (typeof TIERS)[number];

/** A whole number from a field, or undefined when left empty (the plan's default then applies). */
function wholeNumber(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}

/**
 * The tenant's plan set by an operator: any tier, and for enterprise a negotiated monthly price
 * and limits (billing.setPlan). Empty fields keep the catalog's values.
 */
export function ContractPricing({ tenant, monthlyPriceCents }: { tenant: Tenant; monthlyPriceCents: number | null }) {
  const queryClient = useQueryClient();
  const [tier, setTier] = useState<Tier>(tenant.subscriptionTier);
  const [price, setPrice] = useState(monthlyPriceCents === null ? '' : String(monthlyPriceCents / 100));
  const [maxUsers, setMaxUsers] = useState(tenant.limits.maxUsers === null ? '' : String(tenant.limits.maxUsers));
  const [storage, setStorage] = useState(String(tenant.limits.storageLimitGb));
  const [apiCalls, setApiCalls] = useState(String(tenant.limits.apiRateLimit));
  const [reason, setReason] = useState('');
  const save = useMutation(
    trpc.billing.setPlan.mutationOptions({
      onSuccess: async (updated) => {
        toast.success(`${updated.name} is on ${tierLabel(updated.subscriptionTier)} with the new terms`);
        setReason('');
        await queryClient.invalidateQueries();
      },
    }),
  );
  const problem = save.isError ? apiProblem(save.error) : NO_PROBLEM;
  const contract = tier === 'enterprise';
  const cents = wholeNumber(price);
  return (
    <Card title="Plan and contract pricing" id="contract">
      <form
        noValidate
        className="grid gap-3 sm:grid-cols-2"
        onSubmit={onSubmit(() =>
          save.mutate({
            tenantId: tenant.id,
            reason: reason.trim(),
            tier,
            ...(contract
              ? {
                  monthlyPriceCents: cents === undefined ? undefined : Math.round(cents * 100),
                  limits: {
                    maxUsers: maxUsers.trim() === '' ? null : Number(maxUsers),
                    storageLimitGb: wholeNumber(storage),
                    apiCallsPerHour: wholeNumber(apiCalls),
                  },
                }
              : {}),
          }),
        )}
      >
        <div className="sm:col-span-2">
          <FormMessage message={problem.message} />
        </div>
        <SelectField
          label="Plan"
          value={tier}
          onValueChange={(value) => setTier(value as Tier)}
          options={TIERS.map((value) => ({ value, label: tierLabel(value) }))}
          error={problem.fields.tier}
        />
        {contract && (
          <>
            <Field
              label="Monthly price (USD)"
              inputMode="decimal"
              value={price}
              onValueChange={setPrice}
              error={problem.fields.monthlyPriceCents}
              hint="Empty keeps the current price."
            />
            <Field
              label="Seats"
              inputMode="numeric"
              value={maxUsers}
              onValueChange={setMaxUsers}
              error={problem.fields['limits.maxUsers']}
              hint="Empty means unlimited."
            />
            <Field
              label="Storage (GB)"
              inputMode="numeric"
              value={storage}
              onValueChange={setStorage}
              error={problem.fields['limits.storageLimitGb']}
            />
            <Field
              label="API calls per hour"
              inputMode="numeric"
              value={apiCalls}
              onValueChange={setApiCalls}
              error={problem.fields['limits.apiCallsPerHour']}
            />
          </>
        )}
        <TextAreaField
          label="Reason for the change"
          className="sm:col-span-2"
          rows={2}
          value={reason}
          onValueChange={setReason}
          error={problem.fields.reason}
        />
        <div className="sm:col-span-2">
          <Button type="submit" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save plan'}
          </Button>
        </div>
      </form>
    </Card>
  );
}
