import type { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, Link, Outlet, redirect, useMatches, useRouter } from '@tanstack/react-router';
import { useEffect } from 'react';
import { AppShell } from '../features/shell/app-shell.js';
import { PublicLayout } from '../features/shell/public-layout.js';
import { useTheme } from '../features/shell/theme.js';
import { currentSession, restoreSession, useSession } from '../lib/session.js';
import { buttonClass } from '../ui/button.js';
import { Page } from '../ui/page.js';
import { Loading } from '../ui/states.js';
import { Toaster } from '../ui/toast.js';

export interface RouterContext {
  queryClient: QueryClient;
}

declare module '@tanstack/react-router' {
  interface StaticDataRouteOption {
    /** Reachable without signing in (sign-in, sign-up, links from emails); rendered without the shell. */
    public?: boolean;
  }
}

export const Route = createRootRouteWithContext<RouterContext>()({
  // Before any page decides "signed out", the refresh cookie gets its chance to restore the session;
  // then a console page without a session sends the user to sign in, and back afterwards.
  beforeLoad: async ({ location, matches }) => {
    await restoreSession();
    const session = currentSession();
    if (session.kind === 'signed_in' || matches.some((match) => match.staticData?.public === true)) return;
    throw redirect({
      to: '/sign-in',
      search: {
        next: location.href === '/' ? undefined : location.href,
        expired: session.kind === 'signed_out' && session.reason === 'expired' ? true : undefined,
      },
      replace: true,
    });
  },
  component: Root,
  notFoundComponent: NotFound,
  pendingComponent: () => <Loading label="Loading the console…" />,
});

function Root() {
  const theme = useTheme();
  return (
    <>
      <Layout />
      <Toaster theme={theme.resolved} />
    </>
  );
}

function Layout() {
  const session = useSession();
  const router = useRouter();
  const isPublic = useMatches({ select: (matches) => matches.some((match) => match.staticData?.public === true) });
  // A session that ends while a console page is open (expired, revoked, signed out elsewhere):
  // running the route checks again sends the user to sign in.
  useEffect(() => {
    if (session.kind === 'signed_out' && !isPublic) void router.invalidate();
  }, [session.kind, isPublic, router]);
  if (isPublic) {
    return (
      <PublicLayout>
        <Outlet />
      </PublicLayout>
    );
  }
  if (session.kind !== 'signed_in') return <Loading label="Loading the console…" />;
  return (
    <AppShell>
      <Outlet />
    </AppShell>
  );
}

function NotFound() {
  return (
    <Page
      title="Page not found"
      description="There is no page at this address. It may have moved, or the link is mistyped."
    >
      <Link to="/" className={buttonClass('primary')}>
        Go to the overview
      </Link>
    </Page>
  );
}
