import { useSyncExternalStore } from 'react';
import { setAccessToken } from './access-token.js';
import { type IssuedSession, trpc } from './trpc.js';

export type SessionState =
  | { kind: 'restoring' }
  | { kind: 'signed_out' }
  | { kind: 'signed_in'; session: IssuedSession };

/** Renew this long before the access token expires, so no request goes out with a dead one. */
const RENEW_BEFORE_EXPIRY_MS = 30_000;

let state: SessionState = { kind: 'restoring' };
let renewTimer: ReturnType<typeof setTimeout> | undefined;
let restoring: Promise<void> | undefined;
const listeners = new Set<() => void>();

function publish(next: SessionState): void {
  state = next;
  for (const listener of listeners) listener();
}

/** Keeps a session the api issued (sign-in, MFA, refresh) and schedules its renewal. */
export function adoptSession(session: IssuedSession): void {
  setAccessToken(session.accessToken);
  clearTimeout(renewTimer);
  const renewIn = new Date(session.accessTokenExpiresAt).getTime() - Date.now() - RENEW_BEFORE_EXPIRY_MS;
  renewTimer = setTimeout(() => void renew(), Math.max(renewIn, 1_000));
  publish({ kind: 'signed_in', session });
}

function forgetSession(): void {
  setAccessToken(null);
  clearTimeout(renewTimer);
  publish({ kind: 'signed_out' });
}

/** Trades the refresh cookie for a new access token (and a new cookie: each works once). */
async function renew(): Promise<void> {
  try {
    adoptSession(await trpc.auth.refresh.mutate());
  } catch {
    forgetSession();
  }
}

/**
 * On page load: the refresh cookie, if any, says whether the user is still signed in. One shared
 * attempt, because StrictMode mounts twice and a refresh token spent twice counts as stolen.
 */
export function restoreSession(): Promise<void> {
  restoring ??= renew();
  return restoring;
}

/** Ends the session at the api (which clears the cookie) and here, even if the api cannot be reached. */
export async function signOut(): Promise<void> {
  try {
    await trpc.auth.signOut.mutate();
  } finally {
    forgetSession();
  }
}

export function useSession(): SessionState {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => state,
  );
}
