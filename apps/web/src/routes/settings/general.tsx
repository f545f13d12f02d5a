import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { useMemo } from 'react';
import { QueryView } from '../../features/common/query-view.js';
import { SettingsPage } from '../../features/settings/settings-page.js';
import { formatterFor, type RegionalSettings, regionFrom } from '../../lib/format.js';
import { onSubmit, useForm } from '../../lib/forms.js';
import { usePermissions } from '../../lib/permissions.js';
import { type Tenant, trpc, trpcClient } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { Field, FormMessage, SelectField } from '../../ui/field.js';
import { toast } from '../../ui/toast.js';

export const Route = createFileRoute('/settings/general')({
  component: GeneralSettingsPage,
});

const DATE_FORMATS: ReadonlyArray<RegionalSettings['dateFormat']> = [
  'YYYY-MM-DD',
  'MM/DD/YYYY',
  'DD/MM/YYYY',
  'DD.MM.YYYY',
];

function GeneralSettingsPage() {
  const tenant = useQuery(trpc.tenants.get.queryOptions());
  return (
    <SettingsPage title="General settings" description="Your organization's name, contact and regional formats.">
      <QueryView query={tenant} loadingLabel="Loading settings…">
        {(current) => <GeneralForm key={current.id} tenant={current} />}
      </QueryView>
    </SettingsPage>
  );
}

function GeneralForm({ tenant }: { tenant: Tenant }) {
  const { can } = usePermissions();
  const queryClient = useQueryClient();
  const editable = can('tenant.update');
  const region = regionFrom(tenant.settings);
  const form = useForm({
    name: tenant.name,
    adminName: tenant.adminName,
    adminEmail: tenant.adminEmail,
    phone: tenant.phone ?? '',
    address: tenant.address ?? '',
    timezone: region.timezone,
    dateFormat: region.dateFormat,
    currency: region.currency,
  });
  const { values } = form;
  const zones = useMemo(() => ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')], []);
  const currencies = useMemo(() => Intl.supportedValuesOf('currency'), []);
  // What the console will look like with the choices so far.
  const preview = formatterFor({
    timezone: values.timezone,
    dateFormat: values.dateFormat as RegionalSettings['dateFormat'],
    currency: values.currency,
  });

  const save = async () => {
    const saved = await form.submit(null, null, () =>
      trpcClient.tenants.update.mutate({
        name: values.name.trim(),
        adminName: values.adminName.trim(),
        adminEmail: values.adminEmail.trim(),
        phone: values.phone.trim() || null,
        address: values.address.trim() || null,
        settings: {
          timezone: values.timezone,
          date_format: values.dateFormat as RegionalSettings['dateFormat'],
          currency: values.currency,
        },
      }),
    );
    if (!saved) return;
    queryClient.setQueryData(trpc.tenants.get.queryKey(), saved);
    await queryClient.invalidateQueries(trpc.auth.pathFilter());
    toast.success('Settings saved');
  };

  return (
    <form noValidate onSubmit={onSubmit(save)} className="space-y-4">
      <FormMessage message={form.problem.message} />
      <Card title="Organization" id="organization">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Organization name" required disabled={!editable} {...form.text('name')} />
          <Field label="Contact name" disabled={!editable} {...form.text('adminName')} />
          <Field label="Contact email" type="email" disabled={!editable} {...form.text('adminEmail')} />
          <Field label="Phone" type="tel" autoComplete="tel" disabled={!editable} {...form.text('phone')} />
          <Field label="Address" className="sm:col-span-2" disabled={!editable} {...form.text('address')} />
        </div>
      </Card>
      <Card
        title="Regional formats"
        id="regional"
        description="Every date, number and amount in the console follows these."
      >
        <div className="grid gap-4 sm:grid-cols-3">
          <SelectField
            label="Time zone"
            disabled={!editable}
            options={zones.map((zone) => ({ value: zone, label: zone }))}
            {...form.text('timezone', 'settings.timezone')}
          />
          <SelectField
            label="Date format"
            disabled={!editable}
            options={DATE_FORMATS.map((format) => ({ value: format, label: format }))}
            {...form.text('dateFormat', 'settings.date_format')}
          />
          <SelectField
            label="Currency"
            disabled={!editable}
            options={currencies.map((code) => ({ value: code, label: code }))}
            {...form.text('currency', 'settings.currency')}
          />
        </div>
        <p className="mt-3 text-sm text-muted-foreground" aria-live="polite">
          Example: today is {preview.date(Date.now())}, it is {preview.time(Date.now())} there, and a price shows as{' '}
          {preview.money(123_450)}.
        </p>
      </Card>
      {editable && (
        <Button type="submit" disabled={form.busy}>
          {form.busy ? 'Saving…' : 'Save settings'}
        </Button>
      )}
    </form>
  );
}
