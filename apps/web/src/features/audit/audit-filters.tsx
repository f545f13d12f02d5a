import { useQuery } from '@tanstack/react-query';
import { usePermissions } from '../../lib/permissions.js';
import { trpc } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Field, SelectField } from '../../ui/field.js';

export interface AuditFilterValues {
  action: string;
  actorUserId: string;
  resourceType: string;
  resourceId: string;
  from: string;
  to: string;
}

export const NO_FILTERS: AuditFilterValues = {
  action: '',
  actorUserId: '',
  resourceType: '',
  resourceId: '',
  from: '',
  to: '',
};

/** Families of actions (`member.*`) and the actions people look for most. */
const ACTIONS = [
  ['tenant.*', 'Organization: any'],
  ['tenant.updated', 'Organization updated'],
  ['subscription.changed', 'Plan changed'],
  ['member.*', 'Members: any'],
  ['member.role_changed', 'Member role changed'],
  ['member.deactivated', 'Member deactivated'],
  ['member.removed', 'Member removed'],
  ['invitation.*', 'Invitations: any'],
  ['setting.*', 'Settings: any'],
  ['setting.revealed', 'Secret revealed'],
  ['apikey.*', 'API keys: any'],
  ['auth.*', 'Sign-ins: any'],
  ['mfa.*', 'Two-factor: any'],
  ['session.*', 'Sessions: any'],
  ['file.*', 'Files: any'],
  ['invoice.*', 'Invoices: any'],
  ['platform.*', 'Platform operator access'],
] as const;

const RESOURCE_TYPES = [
  'tenant',
  'member',
  'user',
  'invitation',
  'setting',
  'api_key',
  'session',
  'file',
  'invoice',
  'feature',
  'support_ticket',
  'monthly_report',
];

/** The audit log's filters; every change applies at once and goes back to the first page. */
export function AuditFilters(props: { value: AuditFilterValues; onChange: (next: AuditFilterValues) => void }) {
  const { can } = usePermissions();
  const members = useQuery({ ...trpc.members.list.queryOptions({ limit: 100 }), enabled: can('users.read') });
  const set = (key: keyof AuditFilterValues) => (next: string) => props.onChange({ ...props.value, [key]: next });
  const active = Object.values(props.value).some((value) => value !== '');
  return (
    <fieldset className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
      <legend className="sr-only">Filter the audit log</legend>
      <SelectField
        label="Action"
        value={props.value.action}
        onValueChange={set('action')}
        options={[{ value: '', label: 'All actions' }, ...ACTIONS.map(([value, label]) => ({ value, label }))]}
      />
      <SelectField
        label="Actor"
        value={props.value.actorUserId}
        onValueChange={set('actorUserId')}
        options={[
          { value: '', label: 'Anyone' },
          ...(members.data?.items ?? []).map((member) => ({ value: member.userId, label: member.email })),
        ]}
      />
      <SelectField
        label="Resource type"
        value={props.value.resourceType}
        onValueChange={set('resourceType')}
        options={[
          { value: '', label: 'Any resource' },
          ...RESOURCE_TYPES.map((type) => ({ value: type, label: type })),
        ]}
      />
      <Field label="Resource id" value={props.value.resourceId} onValueChange={set('resourceId')} />
      <Field label="From" type="date" value={props.value.from} onValueChange={set('from')} />
      <Field label="To" type="date" value={props.value.to} onValueChange={set('to')} hint="Includes this day." />
      {active && (
        <div className="sm:col-span-2 lg:col-span-3">
          <Button variant="secondary" size="sm" onClick={() => props.onChange(NO_FILTERS)}>
            Clear filters
          </Button>
        </div>
      )}
    </fieldset>
  );
}
