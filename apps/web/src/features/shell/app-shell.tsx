import { Link, useRouterState } from '@tanstack/react-router';
import { Menu as MenuIcon } from 'lucide-react';
import { Dialog as RadixDialog } from 'radix-ui';
import { type ReactNode, useState } from 'react';
import { useLiveStatus } from '../../lib/live-events.js';
import { usePermissions } from '../../lib/permissions.js';
import { useSignedInSession } from '../../lib/session.js';
import { Button } from '../../ui/button.js';
import { cn } from '../../ui/cn.js';
import { DeletionBanner } from '../offboarding/deletion-banner.js';
import { OperatorBadge } from '../operator/operator-badge.js';
import { useTenantBranding } from './branding.js';
import { NAV_SECTIONS, type NavItem } from './nav.js';
import { OrgSwitcher } from './org-switcher.js';
import { UserMenu } from './user-menu.js';

function NavLinks({ onNavigate }: { onNavigate?: () => void }) {
  const session = useSignedInSession();
  const { can } = usePermissions();
  const pathname = useRouterState({ select: (state) => state.location.pathname });
  const visible = (item: NavItem) =>
    (!item.permission || can(item.permission)) && (!item.operatorOnly || session.platformOperator);
  return (
    <nav aria-label="Console" className="space-y-5">
      {NAV_SECTIONS.map((section) => {
        const items = section.items.filter(visible);
        if (items.length === 0) return null;
        return (
          <div key={section.label}>
            <p className="px-2 text-xs font-semibold tracking-wide text-muted-foreground uppercase">{section.label}</p>
            <ul className="mt-1 space-y-0.5">
              {items.map((item) => {
                const to = String(item.to);
                const active = pathname === to || (item.matchSubPaths === true && pathname.startsWith(`${to}/`));
                return (
                  <li key={to}>
                    <Link
                      to={item.to}
                      onClick={onNavigate}
                      aria-current={active ? 'page' : undefined}
                      className={cn(
                        'flex items-center gap-2 rounded-md px-2 py-2 text-sm text-foreground no-underline!',
                        active ? 'bg-muted font-semibold' : 'hover:bg-muted',
                      )}
                    >
                      <item.icon aria-hidden="true" className="h-4 w-4 shrink-0" />
                      {item.label}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </div>
        );
      })}
    </nav>
  );
}

function LiveIndicator() {
  const status = useLiveStatus();
  const live = status === 'live';
  return (
    <p className="flex items-center gap-2 px-2 text-xs text-muted-foreground">
      <span aria-hidden="true" className={cn('h-2 w-2 rounded-full', live ? 'bg-meter-ok' : 'bg-meter-warn')} />
      {live ? 'Live updates on' : status === 'off' ? 'Live updates off' : 'Connecting live updates…'}
    </p>
  );
}

function Brand() {
  const branding = useTenantBranding();
  return (
    <Link to="/" className="flex items-center gap-2 px-2 font-semibold text-foreground no-underline!">
      {branding.logoUrl ? (
        <img src={branding.logoUrl} alt="" className="h-7 w-7 rounded object-contain" />
      ) : (
        <span
          aria-hidden="true"
          className="flex h-7 w-7 items-center justify-center rounded bg-primary text-sm text-primary-foreground"
        >
          D
        </span>
      )}
      Digame Tenancy
    </Link>
  );
}

/** The signed-in console: sidebar (a drawer on phones), top bar, and the page. */
export function AppShell({ children }: { children: ReactNode }) {
  const [drawerOpen, setDrawerOpen] = useState(false);
  return (
    <div className="min-h-screen lg:grid lg:grid-cols-[15rem_minmax(0,1fr)]">
      <a
        href="#content"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-card focus:p-2"
      >
        Skip to content
      </a>
      <aside className="hidden border-r border-border bg-card lg:flex lg:flex-col lg:gap-5 lg:p-3">
        <Brand />
        <NavLinks />
        <div className="mt-auto">
          <LiveIndicator />
        </div>
      </aside>
      <div className="min-w-0">
        <header className="sticky top-0 z-30 flex h-14 items-center gap-2 border-b border-border bg-card/95 px-2 backdrop-blur sm:px-4">
          <RadixDialog.Root open={drawerOpen} onOpenChange={setDrawerOpen}>
            <RadixDialog.Trigger asChild>
              <Button variant="ghost" size="icon" className="lg:hidden" aria-label="Open navigation">
                <MenuIcon aria-hidden="true" className="h-5 w-5" />
              </Button>
            </RadixDialog.Trigger>
            <RadixDialog.Portal>
              <RadixDialog.Overlay className="fixed inset-0 z-40 bg-black/50 lg:hidden" />
              <RadixDialog.Content className="fixed inset-y-0 left-0 z-50 flex w-72 max-w-[85vw] flex-col gap-5 overflow-y-auto bg-card p-3 text-foreground shadow-xl lg:hidden">
                <RadixDialog.Title className="sr-only">Navigation</RadixDialog.Title>
                <RadixDialog.Description className="sr-only">Pages of the console</RadixDialog.Description>
                <Brand />
                <NavLinks onNavigate={() => setDrawerOpen(false)} />
                <div className="mt-auto">
                  <LiveIndicator />
                </div>
              </RadixDialog.Content>
            </RadixDialog.Portal>
          </RadixDialog.Root>
          <div className="min-w-0 flex-1">
            <OrgSwitcher />
          </div>
          <OperatorBadge />
          <UserMenu />
        </header>
        <main id="content" className="px-3 py-5 sm:px-6 sm:py-6">
          <DeletionBanner />
          {children}
        </main>
      </div>
    </div>
  );
}
