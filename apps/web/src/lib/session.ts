import { useSyncExternalStore } from 'react';
import { setAccessToken } from './access-token.js';
import { apiProblem } from './api-problem.js';
import { errorCode, type IssuedSession, queryClient, trpcClient } from './trpc.js';

export type SessionState =
  | { kind: 'restoring' }
  | { kind: 'signed_out'; reason: 'none' | 'signed_out' | 'expired' }
  /** A platform operator suspended the organization; `message` is the api's, with their reason. */
  | { kind: 'signed_out'; reason: 'suspended'; message: string }
  | { kind: 'signed_in'; session: IssuedSession };

/** Renew this long before the access token expires, so no request goes out with a dead one. */
const RENEW_BEFORE_EXPIRY_MS = 30_000;
/** A failed renewal that may be passing (no api, 5xx, rate limit) is retried after 1, 2, 4, 8, 16 s. */
const RENEW_RETRY_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 16_000];
/** Refusals that mean the refresh token is gone for good: retrying cannot help. */
const FINAL_REFUSALS = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'BAD_REQUEST', 'NOT_FOUND']);

let state: SessionState = { kind: 'restoring' };
/** Counts sessions adopted, so a renewal can tell that another path issued a new one meanwhile. */
let adoptions = 0;
/** Calls under way that end this session and return its successor (two-factor on or off). */
const reissuing = new Set<Promise<unknown>>();

/**
 * Wraps a call that ends every session of the account and returns a new one for this tab: while
 * it runs, a renewal refused for the ending session waits for it instead of signing out.
 */
export function whileReissuing<T>(call: Promise<T>): Promise<T> {
  reissuing.add(call);
  void call.then(
    () => reissuing.delete(call),
    () => reissuing.delete(call),
  );
  return call;
}
let renewTimer: ReturnType<typeof setTimeout> | undefined;
let renewing: Promise<boolean> | undefined;
let restoring: Promise<void> | undefined;
const listeners = new Set<() => void>();

function publish(next: SessionState): void {
  state = next;
  for (const listener of listeners) listener();
}

export function currentSession(): SessionState {
  return state;
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * How long an access token lives, from its own claims (exp − iat), so a browser whose clock is
 * off still renews in time: the renewal is timed from when the token arrived, never by comparing
 * the server's expiry with the local clock.
 */
function tokenLifetimeMs(token: string): number | null {
  try {
    const payload = token.split('.')[1] ?? '';
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number; iat?: number };
    return typeof claims.exp === 'number' && typeof claims.iat === 'number' ? (claims.exp - claims.iat) * 1000 : null;
  } catch {
    return null;
  }
}

/** Keeps a session the api issued (sign-in, MFA, refresh, switch) and schedules its renewal. */
export function adoptSession(session: IssuedSession): void {
  const previous = state.kind === 'signed_in' ? state.session : null;
  adoptions++;
  setAccessToken(session.accessToken);
  clearTimeout(renewTimer);
  const lifetime = tokenLifetimeMs(session.accessToken) ?? 5 * 60_000;
  renewTimer = setTimeout(() => void renewSession(), Math.max(lifetime - RENEW_BEFORE_EXPIRY_MS, 1_000));
  // Another organization or person: nothing cached for the previous one may show.
  if (previous && (previous.tenant.id !== session.tenant.id || previous.userId !== session.userId)) {
    queryClient.clear();
  }
  publish({ kind: 'signed_in', session });
}

function forgetSession(reason: 'none' | 'signed_out' | 'expired', suspension?: string): void {
  setAccessToken(null);
  clearTimeout(renewTimer);
  queryClient.clear();
  publish(
    suspension ? { kind: 'signed_out', reason: 'suspended', message: suspension } : { kind: 'signed_out', reason },
  );
}

/** The api's words when a call was refused because the organization is suspended, else null. */
function suspensionOf(error: unknown): string | null {
  const problem = apiProblem(error);
  return problem.code === 'FORBIDDEN' && problem.details.reason === 'tenant_suspended' ? problem.message : null;
}

/**
 * A call refused because the organization was suspended ends the session here: nothing in the
 * console works until an operator reactivates it, and the sign-in page says why.
 */
export function onRefused(error: unknown): void {
  const suspension = suspensionOf(error);
  if (suspension && state.kind === 'signed_in') forgetSession('expired', suspension);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One refresh at a time across this browser's tabs: each refresh token works once. */
function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  return navigator.locks ? (navigator.locks.request('digame-session-refresh', work) as Promise<T>) : work();
}

async function renewWithRetries(): Promise<boolean> {
  const wasSignedIn = state.kind === 'signed_in';
  for (let attempt = 0; ; attempt++) {
    const adoptedBefore = adoptions;
    try {
      adoptSession(await oneAtATime(() => trpcClient.auth.refresh.mutate()));
      return true;
    } catch (error) {
      // Turning two-factor on or off ends every session and hands this tab a new one: a renewal
      // that raced it with the old cookie was refused, but the tab is signed in all the same.
      if (reissuing.size > 0) {
        await Promise.allSettled([...reissuing]);
        // Its caller adopts the new session in a later microtask; let those run first.
        await sleep(0);
      }
      if (adoptions !== adoptedBefore) return true;
      const code = errorCode(error);
      const delay = RENEW_RETRY_DELAYS_MS[attempt];
      if ((code !== null && FINAL_REFUSALS.has(code)) || delay === undefined) {
        forgetSession(wasSignedIn ? 'expired' : 'none', suspensionOf(error) ?? undefined);
        return false;
      }
      await sleep(delay);
    }
  }
}

/**
 * Trades the refresh cookie for a new access token (and a new cookie). A failure that may pass
 * is retried with backoff before the user is signed out; concurrent callers share one attempt.
 */
export function renewSession(): Promise<boolean> {
  renewing ??= renewWithRetries().finally(() => {
    renewing = undefined;
  });
  return renewing;
}

/**
 * On page load: the refresh cookie, if any, says whether the user is still signed in. One shared
 * attempt, because StrictMode mounts twice and a refresh token spent twice counts as stolen.
 */
export function restoreSession(): Promise<void> {
  restoring ??= renewSession().then(() => undefined);
  return restoring;
}

/** Ends the session at the api (which clears the cookie) and here, even if the api cannot be reached. */
export async function signOut(): Promise<void> {
  try {
    await trpcClient.auth.signOut.mutate();
  } finally {
    forgetSession('signed_out');
  }
}

/**
 * A query refused as UNAUTHORIZED while signed in means the access token died early (revoked
 * session, laptop asleep past its renewal): renew once; if that fails the user is signed out.
 */
export function onUnauthorized(): void {
  if (state.kind === 'signed_in') {
    void renewSession().then((renewed) => {
      if (renewed) void queryClient.invalidateQueries();
    });
  }
}

export function useSession(): SessionState {
  return useSyncExternalStore(subscribeSession, currentSession);
}

/** The signed-in session; only for components that render inside the console shell. */
export function useSignedInSession(): IssuedSession {
  const session = useSession();
  if (session.kind !== 'signed_in') throw new Error('useSignedInSession outside the signed-in console');
  return session.session;
}

/** Sends every UNAUTHORIZED a query or mutation meets to `onUnauthorized`, a suspension to `onRefused`. */
export function watchForExpiredSessions(): void {
  const watch = (error: unknown) => {
    if (errorCode(error) === 'UNAUTHORIZED') onUnauthorized();
    else onRefused(error);
  };
  queryClient.getQueryCache().subscribe((event) => {
    if (event.type === 'updated' && event.action.type === 'error') watch(event.action.error);
  });
  queryClient.getMutationCache().subscribe((event) => {
    if (event.type === 'updated' && event.action.type === 'error') watch(event.action.error);
  });
}
