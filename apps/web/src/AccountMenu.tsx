import { useState } from 'react';
import { Link, navigate } from './router.js';
import { signOut, useSession } from './session.js';

/** The header's corner: who is signed in, with Sign out; or a Sign in link. */
export function AccountMenu() {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  if (session.kind === 'restoring') return null;
  if (session.kind === 'signed_out') return <Link to="/sign-in">Sign in</Link>;

  const leave = async () => {
    setBusy(true);
    try {
      await signOut();
    } catch {
      // The local session is gone either way; a failed call only leaves the refresh token to expire.
    } finally {
      setBusy(false);
      navigate('/');
    }
  };
  return (
    <div className="account-menu">
      <span>
        {session.session.tenant.name} · <span className="capitalize">{session.session.role}</span>
      </span>
      <button type="button" onClick={leave} disabled={busy}>
        Sign out
      </button>
    </div>
  );
}
