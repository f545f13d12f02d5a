import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { QueryView } from '../../features/common/query-view.js';
import { SettingsPage } from '../../features/settings/settings-page.js';
import { fieldsForSetting, type SettingView, useSettings } from '../../features/settings/use-settings.js';
import { apiProblem } from '../../lib/api-problem.js';
import { onSubmit, useForm } from '../../lib/forms.js';
import { usePermissions } from '../../lib/permissions.js';
import { trpc } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { CheckboxField, Field, FormMessage, TextAreaField } from '../../ui/field.js';
import { toast } from '../../ui/toast.js';

export const Route = createFileRoute('/settings/security')({
  component: SecuritySettingsPage,
});

/** What applies while a key is unset (the api's defaults for the request path). */
const DEFAULTS = { sessionIdleMinutes: 60, sessionAbsoluteHours: 168 };

function formValues(list: SettingView[]) {
  const value = (key: string) => list.find((setting) => setting.key === key)?.value;
  const minutes = value('sessionIdleMinutes');
  const hours = value('sessionAbsoluteHours');
  const allowlist = value('ipAllowlist');
  return {
    mfaRequired: value('mfaRequired') === true,
    sessionIdleMinutes: typeof minutes === 'number' ? String(minutes) : '',
    sessionAbsoluteHours: typeof hours === 'number' ? String(hours) : '',
    ipAllowlist: Array.isArray(allowlist) ? allowlist.join('\n') : '',
  };
}

function SecuritySettingsPage() {
  const settings = useSettings('security');
  return (
    <SettingsPage
      title="Security settings"
      description="Two-factor sign-in, how long sessions last, and where the api may be called from."
    >
      <QueryView query={settings.query} loadingLabel="Loading security settings…">
        {(list) => <SecurityForm list={list} />}
      </QueryView>
    </SettingsPage>
  );
}

/**
 * The form keeps what the admin typed while the list refreshes underneath (a change saved here or
 * elsewhere arrives live); what counts as changed is measured against the latest saved values.
 */
function SecurityForm({ list }: { list: SettingView[] }) {
  const { can } = usePermissions();
  const editable = can('settings.manage');
  const settings = useSettings('security');
  const caller = useQuery(trpc.settings.callerAddress.queryOptions());
  const queryClient = useQueryClient();
  const initial = formValues(list);
  const form = useForm(initial);
  const ownAddress = caller.data?.ipAddress ?? null;

  const save = async () => {
    const { values } = form;
    const entries = values.ipAllowlist
      .split(/[\s,]+/)
      .map((entry) => entry.trim())
      .filter(Boolean);
    // One setting at a time, stopping at the first the api refuses (its message lands on that field).
    const changes: Array<[string, unknown]> = [];
    if (values.mfaRequired !== initial.mfaRequired) changes.push(['mfaRequired', values.mfaRequired]);
    for (const key of ['sessionIdleMinutes', 'sessionAbsoluteHours'] as const) {
      if (values[key] !== initial[key]) changes.push([key, values[key].trim() === '' ? null : Number(values[key])]);
    }
    if (values.ipAllowlist !== initial.ipAllowlist) changes.push(['ipAllowlist', entries]);
    for (const [key, next] of changes) {
      const saved = await form.submit(null, null, () =>
        next === null ? settings.clear(key) : settings.set(key, next),
      );
      if (!saved) {
        form.setProblem((problem) => ({ ...problem, fields: fieldsForSetting(problem.fields, key) }));
        return;
      }
    }
    await settings.refresh();
    // What the api stored, normalised (an address becomes its /32 block).
    const saved = queryClient.getQueryData(trpc.settings.list.queryKey({ category: 'security' }));
    if (saved) form.setValues(formValues(saved));
    toast.success(changes.length > 0 ? 'Security settings saved' : 'Nothing to save');
  };

  const addOwnAddress = () => {
    if (!ownAddress) return;
    const current = form.values.ipAllowlist.trim();
    form.set('ipAllowlist', current ? `${current}\n${ownAddress}` : ownAddress);
  };

  return (
    <form noValidate onSubmit={onSubmit(save)} className="space-y-4">
      <FormMessage message={form.problem.message} />
      <Card title="Sign-in" id="sign-in">
        <CheckboxField
          label="Require two-factor authentication"
          hint="Members without it set it up at their next sign-in."
          checked={form.values.mfaRequired}
          disabled={!editable}
          onCheckedChange={(checked) => form.set('mfaRequired', checked)}
        />
        {form.problem.fields.mfaRequired && (
          <p className="mt-1 text-sm text-danger">{form.problem.fields.mfaRequired}</p>
        )}
      </Card>
      <Card title="Sessions" id="sessions">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            label="Idle timeout (minutes)"
            type="number"
            inputMode="numeric"
            min={5}
            max={1440}
            hint={`A session without a request for this long ends. Empty: ${DEFAULTS.sessionIdleMinutes} minutes.`}
            disabled={!editable}
            {...form.text('sessionIdleMinutes')}
          />
          <Field
            label="Maximum session length (hours)"
            type="number"
            inputMode="numeric"
            min={1}
            max={720}
            hint={`Members sign in again after this long. Empty: ${DEFAULTS.sessionAbsoluteHours} hours.`}
            disabled={!editable}
            {...form.text('sessionAbsoluteHours')}
          />
        </div>
      </Card>
      <Card
        title="IP allowlist"
        id="ip-allowlist"
        description="Only these addresses may use the console and the api. Empty: any address."
      >
        <div className="space-y-3">
          <p className="text-sm">
            Your address:{' '}
            <span className="font-mono font-medium">{caller.isPending ? 'checking…' : (ownAddress ?? 'unknown')}</span>
            {caller.isError && <span className="text-danger"> ({apiProblem(caller.error).message})</span>}
          </p>
          <TextAreaField
            label="Allowed addresses"
            rows={4}
            placeholder={'203.0.113.0/24\n2001:db8::/32'}
            hint="One address or CIDR block per line. A list that leaves out your own address is refused."
            disabled={!editable}
            className="font-mono"
            {...form.text('ipAllowlist')}
          />
          {editable && ownAddress && !form.values.ipAllowlist.includes(ownAddress) && (
            <Button variant="secondary" size="sm" onClick={addOwnAddress}>
              Add my address
            </Button>
          )}
        </div>
      </Card>
      {editable && (
        <Button type="submit" disabled={form.busy}>
          {form.busy ? 'Saving…' : 'Save security settings'}
        </Button>
      )}
    </form>
  );
}
