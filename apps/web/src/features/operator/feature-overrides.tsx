import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem, NO_PROBLEM } from '../../lib/api-problem.js';
import { onSubmit } from '../../lib/forms.js';
import { type RouterOutputs, trpc } from '../../lib/trpc.js';
import { Badge } from '../../ui/badge.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { Dialog } from '../../ui/dialog.js';
import { FormMessage, SelectField, TextAreaField } from '../../ui/field.js';
import { DataTable } from '../../ui/table.js';
import { toast } from '../../ui/toast.js';
import { QueryView } from '../common/query-view.js';
import { tierLabel } from '../common/upgrade-prompt.js';

type FeatureStatus = RouterOutputs['features']['list'][number];

/** The tenant's features, why each is on or off, and an operator's override of any of them. */
export function FeatureOverrides({ tenantId }: { tenantId: string }) {
  const features = useQuery(trpc.features.list.queryOptions({ tenantId }));
  const [editing, setEditing] = useState<FeatureStatus | null>(null);
  return (
    <Card title="Features" id="features" description="Overrides take effect at once in the tenant's console.">
      <QueryView query={features} loadingLabel="Loading features…">
        {(list) => (
          <DataTable
            caption="Features and overrides"
            rowKey={(row) => row.feature}
            rows={list}
            columns={[
              { header: 'Feature', rowHeader: true, cell: (row) => row.label },
              {
                header: 'Status',
                cell: (row) => <Badge tone={row.enabled ? 'success' : 'neutral'}>{row.enabled ? 'On' : 'Off'}</Badge>,
              },
              {
                header: 'Why',
                hideOnPhone: true,
                cell: (row) =>
                  row.source === 'override'
                    ? `Override${row.overrideReason ? `: ${row.overrideReason}` : ''}`
                    : row.includedInTier
                      ? 'Included in the plan'
                      : `Needs ${tierLabel(row.requiredTier)}`,
              },
              {
                header: 'Change',
                cell: (row) => (
                  <Button
                    size="sm"
                    variant="secondary"
                    onClick={() => setEditing(row)}
                    aria-label={`Override ${row.label}`}
                  >
                    Override
                  </Button>
                ),
              },
            ]}
          />
        )}
      </QueryView>
      {editing && <OverrideDialog tenantId={tenantId} feature={editing} onClose={() => setEditing(null)} />}
    </Card>
  );
}

type Choice = 'plan' | 'on' | 'off';

function OverrideDialog(props: { tenantId: string; feature: FeatureStatus; onClose: () => void }) {
  const queryClient = useQueryClient();
  const initial: Choice = props.feature.source === 'override' ? (props.feature.enabled ? 'on' : 'off') : 'plan';
  const [choice, setChoice] = useState<Choice>(initial);
  const [reason, setReason] = useState('');
  const save = useMutation(
    trpc.features.setOverride.mutationOptions({
      onSuccess: async () => {
        toast.success(`${props.feature.label} override saved`);
        await queryClient.invalidateQueries(trpc.features.pathFilter());
        await queryClient.invalidateQueries(trpc.tenants.pathFilter());
        props.onClose();
      },
    }),
  );
  const problem = save.isError ? apiProblem(save.error) : NO_PROBLEM;
  return (
    <Dialog open onOpenChange={(open) => !open && props.onClose()} title={`Override ${props.feature.label}`}>
      <form
        noValidate
        className="space-y-3"
        onSubmit={onSubmit(() =>
          save.mutate({
            tenantId: props.tenantId,
            feature: props.feature.feature,
            enabled: choice === 'plan' ? null : choice === 'on',
            reason: reason.trim(),
          }),
        )}
      >
        <FormMessage message={problem.message} />
        <SelectField
          label="Setting"
          value={choice}
          onValueChange={(value) => setChoice(value as Choice)}
          options={[
            { value: 'plan', label: `Follow the plan (${props.feature.includedInTier ? 'on' : 'off'})` },
            { value: 'on', label: 'Force on' },
            { value: 'off', label: 'Force off' },
          ]}
          error={problem.fields.enabled}
        />
        <TextAreaField
          label="Reason"
          hint="Kept in the tenant's audit log and shown on its plan page."
          rows={2}
          value={reason}
          onValueChange={setReason}
          error={problem.fields.reason}
        />
        <div className="flex flex-wrap justify-end gap-2">
          <Button variant="secondary" onClick={props.onClose}>
            Cancel
          </Button>
          <Button type="submit" disabled={save.isPending}>
            Save override
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
