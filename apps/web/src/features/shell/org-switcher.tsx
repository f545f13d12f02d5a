import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Building2, Check, ChevronsUpDown } from 'lucide-react';
import { apiProblem } from '../../lib/api-problem.js';
import { adoptSession, useSignedInSession } from '../../lib/session.js';
import { trpc, trpcClient } from '../../lib/trpc.js';
import { Button } from '../../ui/button.js';
import { Menu, MenuItem, MenuLabel } from '../../ui/menu.js';
import { toast } from '../../ui/toast.js';

/** The organization signed in to; for members of several, a menu that switches (`auth.switchTenant`). */
export function OrgSwitcher() {
  const session = useSignedInSession();
  const navigate = useNavigate();
  const memberships = useQuery(trpc.auth.memberships.queryOptions());
  const others = (memberships.data ?? []).filter((membership) => !membership.current);

  const label = (
    <span className="flex min-w-0 items-center gap-2">
      <Building2 aria-hidden="true" className="h-4 w-4 shrink-0" />
      <span className="truncate">{session.tenant.name}</span>
    </span>
  );
  if (others.length === 0) {
    return <div className="flex h-10 min-w-0 items-center px-2 text-sm font-medium">{label}</div>;
  }

  const switchTo = async (tenantUuid: string, name: string) => {
    try {
      adoptSession(await trpcClient.auth.switchTenant.mutate({ tenantId: tenantUuid, refreshTokenDelivery: 'cookie' }));
      await navigate({ to: '/' });
      toast.success(`Switched to ${name}`);
    } catch (error) {
      toast.error(`Could not switch to ${name}: ${apiProblem(error).message}`);
    }
  };

  return (
    <Menu
      align="start"
      trigger={
        <Button
          variant="ghost"
          className="max-w-full min-w-0"
          aria-label={`Organization: ${session.tenant.name}. Switch organization`}
        >
          {label}
          <ChevronsUpDown aria-hidden="true" className="h-4 w-4 shrink-0 text-muted-foreground" />
        </Button>
      }
    >
      <MenuLabel>Switch organization</MenuLabel>
      {(memberships.data ?? []).map((membership) => (
        <MenuItem
          key={membership.tenantId}
          disabled={membership.current || membership.suspended}
          onSelect={() => void switchTo(membership.tenantId, membership.name)}
        >
          <span className="flex-1 truncate">{membership.name}</span>
          <span className="text-xs text-muted-foreground">{membership.suspended ? 'suspended' : membership.role}</span>
          {membership.current && <Check aria-label="current" className="h-4 w-4" />}
        </MenuItem>
      ))}
    </Menu>
  );
}
