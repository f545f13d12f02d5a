import { useQuery } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { useState } from 'react';
import { QueryView } from '../features/common/query-view.js';
import { DEFAULT_REGION, formatterFor } from '../lib/format.js';
import { onSubmit, useForm } from '../lib/forms.js';
import { type RouterOutputs, trpc, trpcClient } from '../lib/trpc.js';
import { Button } from '../ui/button.js';
import { Field, FormMessage } from '../ui/field.js';
import { Page } from '../ui/page.js';

export const Route = createFileRoute('/sign-up')({
  staticData: { public: true },
  component: SignUpPage,
});

type Created = RouterOutputs['tenants']['create'];
const usd = formatterFor({ ...DEFAULT_REGION, currency: 'USD' });

/** Self-serve sign-up: the organization, its first admin and a plan, which starts as a trial. */
function SignUpPage() {
  const [created, setCreated] = useState<Created | null>(null);
  return (
    <Page
      title={created ? 'Check your email' : 'Create your organization'}
      description={created ? undefined : 'Every plan starts with a free 30-day trial. No card needed.'}
    >
      {created ? <Created created={created} /> : <SignUpForm onCreated={setCreated} />}
    </Page>
  );
}

function SignUpForm({ onCreated }: { onCreated: (created: Created) => void }) {
  const tiers = useQuery(trpc.system.tiers.queryOptions());
  const form = useForm({ name: '', adminName: '', adminEmail: '', subscriptionTier: 'professional' });

  const create = async () => {
    const { name, adminName, adminEmail, subscriptionTier } = form.values;
    const created = await form.submit(null, null, () =>
      trpcClient.tenants.create.mutate({
        name: name.trim(),
        adminName: adminName.trim(),
        adminEmail: adminEmail.trim(),
        subscriptionTier: subscriptionTier as 'basic' | 'professional' | 'enterprise',
      }),
    );
    if (created) onCreated(created);
  };

  return (
    <form onSubmit={onSubmit(create)} noValidate className="space-y-4">
      <FormMessage message={form.problem.message} />
      <Field label="Organization name" autoComplete="organization" required {...form.text('name')} />
      <Field label="Your name" autoComplete="name" required {...form.text('adminName')} />
      <Field label="Work email" type="email" autoComplete="email" required {...form.text('adminEmail')} />
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium">Plan</legend>
        <QueryView query={tiers} loadingLabel="Loading plans…" errorTitle="Could not load plans">
          {(catalog) => (
            <div className="grid gap-2">
              {/* Enterprise is arranged with an operator, so sign-up offers the priced plans only. */}
              {catalog.tiers
                .filter((tier) => tier.monthlyPriceCents !== null)
                .map((tier) => (
                  <label
                    key={tier.name}
                    className="flex cursor-pointer items-start gap-3 rounded-md border border-border p-3 has-[:checked]:border-primary has-[:checked]:bg-muted"
                  >
                    <input
                      type="radio"
                      name="plan"
                      value={tier.name}
                      checked={form.values.subscriptionTier === tier.name}
                      onChange={() => form.set('subscriptionTier', tier.name)}
                      className="mt-1 accent-primary"
                    />
                    <span className="min-w-0">
                      <span className="block font-medium">
                        {tier.label}{' '}
                        <span className="font-normal text-muted-foreground">
                          {tier.monthlyPriceCents === null
                            ? 'custom pricing'
                            : `${usd.money(tier.monthlyPriceCents)}/month`}
                        </span>
                      </span>
                      <span className="block text-xs text-muted-foreground">
                        {tier.limits.maxUsers === null ? 'Unlimited' : tier.limits.maxUsers} users ·{' '}
                        {tier.limits.storageLimitGb} GB · {usd.count(tier.limits.apiCallsPerHour)} API calls/hour
                      </span>
                    </span>
                  </label>
                ))}
            </div>
          )}
        </QueryView>
        {form.problem.fields.subscriptionTier && (
          <p className="text-sm text-danger">{form.problem.fields.subscriptionTier}</p>
        )}
      </fieldset>
      <Button type="submit" disabled={form.busy} className="w-full justify-center">
        {form.busy ? 'Creating…' : 'Create organization'}
      </Button>
      <p className="text-sm">
        Already have an account? <Link to="/sign-in">Sign in</Link>
      </p>
    </form>
  );
}

function Created({ created }: { created: Created }) {
  return (
    <div role="status" className="space-y-3 text-sm">
      <p>
        {created.tenant.name} is ready{created.tenant.isTrial ? ', on a free trial' : ''}.{' '}
        {`We sent ${created.tenant.adminEmail} an email with the next step: a link to choose a password, or to join as admin if that address already has an account.`}
      </p>
      <p>
        <Link to="/sign-in" search={{ tenant: created.tenant.slug }}>
          Go to sign in
        </Link>
      </p>
    </div>
  );
}
