import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { QueryView } from '../../features/common/query-view.js';
import { DeletionSchedule } from '../../features/offboarding/deletion-schedule.js';
import { SettingsPage } from '../../features/settings/settings-page.js';
import { onSubmit, useForm } from '../../lib/forms.js';
import { usePermissions } from '../../lib/permissions.js';
import { type Offboarding, trpc, trpcClient } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { Field, FormMessage } from '../../ui/field.js';
import { toast } from '../../ui/toast.js';

export const Route = createFileRoute('/settings/deletion')({
  component: DeletionSettingsPage,
});

function DeletionSettingsPage() {
  const { can } = usePermissions();
  const tenant = useQuery(trpc.tenants.get.queryOptions());
  const offboarding = useQuery(trpc.offboarding.get.queryOptions());
  return (
    <SettingsPage
      title="Delete organization"
      description="Schedule the deletion of this organization, follow its countdown, or cancel it."
    >
      <QueryView query={tenant} loadingLabel="Loading the organization…">
        {(current) => (
          <DeletionSchedule name={current.name} canManage={can('tenant.update') && can('billing.manage')} />
        )}
      </QueryView>
      {can('settings.manage') && offboarding.data && !offboarding.data.schedule && (
        <NoticePeriod key={offboarding.data.retentionDays} offboarding={offboarding.data} />
      )}
    </SettingsPage>
  );
}

/** The notice period a deletion scheduled from now on gets (general.deletionRetentionDays). */
function NoticePeriod({ offboarding }: { offboarding: Offboarding }) {
  const queryClient = useQueryClient();
  const form = useForm({ days: String(offboarding.retentionDays) });
  const save = async () => {
    const saved = await form.submit(null, null, () =>
      trpcClient.settings.set.mutate({
        category: 'general',
        key: 'deletionRetentionDays',
        value: Number(form.values.days),
      }),
    );
    if (!saved) return;
    await queryClient.invalidateQueries(trpc.offboarding.pathFilter());
    toast.success('Notice period saved');
  };
  return (
    <Card
      title="Notice period"
      id="notice-period"
      description="Between scheduling the deletion and the deletion itself."
    >
      <form noValidate className="flex flex-wrap items-end gap-3" onSubmit={onSubmit(save)}>
        <FormMessage message={form.problem.message} />
        <Field
          label="Days (7 to 90)"
          type="number"
          inputMode="numeric"
          min={7}
          max={90}
          {...form.text('days', 'value')}
        />
        <Button type="submit" variant="secondary" disabled={form.busy}>
          Save notice period
        </Button>
      </form>
    </Card>
  );
}
