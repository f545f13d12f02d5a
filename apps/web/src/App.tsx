import { useEffect } from 'react';
import { AcceptInvitationPage } from './AcceptInvitationPage.js';
import { AccountMenu } from './AccountMenu.js';
import { OrganizationPanel } from './OrganizationPanel.js';
import { PlansPanel } from './PlansPanel.js';
import { Link, useLocation } from './router.js';
import { SetPasswordPage } from './SetPasswordPage.js';
import { SignInPage } from './SignInPage.js';
import { SystemStatus } from './SystemStatus.js';
import { restoreSession, useSession } from './session.js';

/** The dashboard shell: the header, then the page the path names (email links land on these). */
export function App() {
  const { pathname } = useLocation();
  // Before anything says "signed out", the refresh cookie gets its chance to restore the session.
  useEffect(() => void restoreSession(), []);
  return (
    <>
      <header className="app-header">
        <h1>
          <Link to="/">Digame Tenancy</Link>
        </h1>
        <AccountMenu />
      </header>
      <main className="app-main">{page(pathname)}</main>
    </>
  );
}

function page(pathname: string) {
  switch (pathname) {
    case '/sign-in':
      return <SignInPage />;
    case '/set-password':
      return <SetPasswordPage />;
    case '/invitations/accept':
      return <AcceptInvitationPage />;
    default:
      return <Home />;
  }
}

function Home() {
  const session = useSession();
  return (
    <>
      {session.kind === 'signed_in' && <OrganizationPanel sessionId={session.session.sessionId} />}
      <SystemStatus />
      <PlansPanel />
    </>
  );
}
