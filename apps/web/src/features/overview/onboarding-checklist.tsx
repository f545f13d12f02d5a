import { useQuery } from '@tanstack/react-query';
import { Link, type LinkProps } from '@tanstack/react-router';
import { CheckCircle2, Circle } from 'lucide-react';
import { usePermissions } from '../../lib/permissions.js';
import { trpc } from '../../lib/trpc.js';
import { buttonClass } from '../../ui/button.js';
import { Card } from '../../ui/card.js';
import { Loading } from '../../ui/states.js';

interface Step {
  label: string;
  hint: string;
  done: boolean;
  to: LinkProps['to'];
  action: string;
}

/**
 * The brief's onboarding steps for a new organization, ticked from what is really there (the
 * queries refresh live as the organization changes); gone once every step is done.
 */
export function OnboardingChecklist() {
  const { can } = usePermissions();
  const tenant = useQuery(trpc.tenants.get.queryOptions());
  const settings = useQuery({ ...trpc.settings.list.queryOptions(), enabled: can('settings.read') });
  const usage = useQuery({ ...trpc.usage.get.queryOptions(), enabled: can('usage.read') });
  const invitations = useQuery({
    ...trpc.invitations.list.queryOptions({ includeClosed: true }),
    enabled: can('users.invite'),
  });
  const apiKeys = useQuery({ ...trpc.apiKeys.list.queryOptions(), enabled: can('apikeys.manage') });
  if (!can('tenant.update')) return null;
  if (tenant.isPending || settings.isPending || usage.isPending || invitations.isPending || apiKeys.isPending) {
    return (
      <Card title="Get started" id="onboarding">
        <Loading label="Loading your onboarding steps…" />
      </Card>
    );
  }
  if (!tenant.data) return null;

  const current = tenant.data;
  const regional = ['timezone', 'date_format', 'currency'].some((key) => key in current.settings);
  const steps: Step[] = [
    {
      label: 'Complete your organization profile',
      hint: 'A phone number or address, so people know who you are.',
      done: Boolean(current.phone || current.address),
      to: '/settings/general',
      action: 'Edit profile',
    },
    {
      label: 'Configure settings',
      hint: 'Your time zone and currency, or security rules such as two-factor sign-in.',
      done: regional || (settings.data ?? []).some((setting) => setting.isSet),
      to: '/settings/general',
      action: 'Open settings',
    },
    {
      label: 'Invite your team',
      hint: 'Everyone you work with, each in the role that fits.',
      done: (usage.data?.users.current ?? 0) > 1 || (invitations.data ?? []).length > 0,
      to: '/team',
      action: 'Invite people',
    },
    {
      label: 'Create an API key',
      hint: 'To call the api from your own systems.',
      done: (apiKeys.data ?? []).length > 0,
      to: '/developers',
      action: 'Create a key',
    },
    {
      label: 'Choose a plan',
      hint: current.isTrial ? 'Keep your limits and data when the trial ends.' : 'Your plan is chosen.',
      done: !current.isTrial,
      to: '/billing',
      action: 'Compare plans',
    },
  ];
  const done = steps.filter((step) => step.done).length;
  if (done === steps.length) return null;

  return (
    <Card title="Get started" id="onboarding" description={`${done} of ${steps.length} steps done`}>
      <ol aria-label="Onboarding steps" className="divide-y divide-border">
        {steps.map((step) => (
          <li key={step.label} className="flex flex-wrap items-center gap-3 py-2.5">
            {step.done ? (
              <CheckCircle2 role="img" aria-label="Done" className="h-5 w-5 shrink-0 text-success" />
            ) : (
              <Circle role="img" aria-label="To do" className="h-5 w-5 shrink-0 text-muted-foreground" />
            )}
            <div className="min-w-0 flex-1">
              <p
                className={step.done ? 'text-sm font-medium text-muted-foreground line-through' : 'text-sm font-medium'}
              >
                {step.label}
              </p>
              {!step.done && <p className="text-xs text-muted-foreground">{step.hint}</p>}
            </div>
            {!step.done && (
              <Link to={step.to} className={buttonClass('secondary', 'sm')}>
                {step.action}
              </Link>
            )}
          </li>
        ))}
      </ol>
    </Card>
  );
}
