import type { Unsubscribable } from '@trpc/server/observable';
import { useSyncExternalStore } from 'react';
import { currentSession, onRefused, onUnauthorized, subscribeSession } from './session.js';
import { errorCode, queryClient, type RouterOutputs, trpc, trpcClient, type Usage } from './trpc.js';

/** An event as the api sends it (the tenant named by its public id). */
type DomainEvent = RouterOutputs['events']['recent']['events'][number]['event'];

/**
 * The tab's one `events.stream` subscription, opened while signed in. Each event patches or
 * invalidates the queries it affects; screens never open streams of their own, they read queries.
 */
export type LiveStatus = 'off' | 'connecting' | 'live' | 'reconnecting';

let status: LiveStatus = 'off';
let subscription: Unsubscribable | undefined;
let streamFor: string | null = null;
let lastEventId: string | null = null;
const statusListeners = new Set<() => void>();
const eventListeners = new Set<(event: DomainEvent, id: string) => void>();

function setStatus(next: LiveStatus): void {
  status = next;
  for (const listener of statusListeners) listener();
}

/** Usage events carry the new numbers: patching the cache costs no request (and no API call). */
function patchUsage(data: Record<string, unknown>): boolean {
  const key = trpc.usage.get.queryKey();
  const current = queryClient.getQueryData<Usage>(key);
  if (!current) return false;
  if (data.metric === 'api_calls' && typeof data.thisHour === 'number') {
    const limit = current.apiCalls.limit;
    queryClient.setQueryData<Usage>(key, {
      ...current,
      apiCalls: {
        ...current.apiCalls,
        // The daily total moves with the hour: both count the same calls.
        today: current.apiCalls.today + Math.max(0, data.thisHour - current.apiCalls.thisHour),
        thisHour: data.thisHour,
        percent: limit > 0 ? Math.round((data.thisHour / limit) * 1000) / 10 : 0,
      },
    });
    return true;
  }
  return false;
}

type DataExport = RouterOutputs['data']['exports'][number];

/**
 * Export progress patches the listed export in place (no request per tick); a finished export is
 * refetched for its size and expiry, and one the list does not hold yet brings the list.
 */
function patchExport(data: Record<string, unknown>): void {
  const { exportId, status, progress } = data as { exportId: string; status: DataExport['status']; progress: number };
  let listed = false;
  for (const filter of [trpc.data.exports.pathFilter(), trpc.data.myExports.pathFilter()]) {
    queryClient.setQueriesData<DataExport[]>(filter, (rows) =>
      rows?.map((row) => {
        if (row.id !== exportId) return row;
        listed = true;
        return { ...row, status, progress };
      }),
    );
  }
  if (!listed || status !== 'building') void queryClient.invalidateQueries(trpc.data.pathFilter());
}

/** Which cached queries each event makes stale. */
function applyEvent(event: DomainEvent): void {
  switch (event.type) {
    case 'usage.updated':
      if (!patchUsage(event.data)) void queryClient.invalidateQueries(trpc.usage.pathFilter());
      void queryClient.invalidateQueries(trpc.analytics.pathFilter());
      break;
    case 'alert.raised':
      void queryClient.invalidateQueries(trpc.usage.pathFilter());
      break;
    case 'member.changed':
      void queryClient.invalidateQueries(trpc.members.pathFilter());
      void queryClient.invalidateQueries(trpc.usage.pathFilter());
      break;
    case 'invitation.changed':
      void queryClient.invalidateQueries(trpc.invitations.pathFilter());
      break;
    case 'audit.appended':
      void queryClient.invalidateQueries(trpc.audit.pathFilter());
      break;
    case 'file.changed':
      // A new or removed logo changes the tenant's branding.
      void queryClient.invalidateQueries(trpc.files.pathFilter());
      void queryClient.invalidateQueries(trpc.tenants.pathFilter());
      break;
    case 'health.updated':
      void queryClient.invalidateQueries(trpc.analytics.pathFilter());
      break;
    case 'support.changed':
      void queryClient.invalidateQueries(trpc.support.pathFilter());
      break;
    case 'report.ready':
      void queryClient.invalidateQueries(trpc.reports.pathFilter());
      break;
    case 'data.export.progress':
    case 'data.personal_export.progress':
      patchExport(event.data);
      break;
    case 'tenant.changed':
      void queryClient.invalidateQueries(trpc.tenants.pathFilter());
      void queryClient.invalidateQueries(trpc.settings.pathFilter());
      void queryClient.invalidateQueries(trpc.auth.whoami.pathFilter());
      void queryClient.invalidateQueries(trpc.billing.pathFilter());
      void queryClient.invalidateQueries(trpc.features.pathFilter());
      void queryClient.invalidateQueries(trpc.usage.pathFilter());
      break;
  }
}

function open(): void {
  setStatus('connecting');
  const opened = trpcClient.events.stream.subscribe(
    { lastEventId },
    {
      onStarted: () => setStatus('live'),
      onData: (envelope) => {
        lastEventId = envelope.id;
        applyEvent(envelope.data);
        for (const listener of eventListeners) listener(envelope.data, envelope.id);
      },
      onConnectionStateChange: (state) => {
        if (state.state === 'connecting' && status === 'live') setStatus('reconnecting');
        if (state.state === 'pending') setStatus('live');
      },
      onError: (error) => {
        setStatus('reconnecting');
        // A stream the api closed for a dead session: renew (or sign out), then start over.
        if (errorCode(error) === 'UNAUTHORIZED') onUnauthorized();
        else onRefused(error);
      },
      // The api ends the stream itself when the credential behind it ends (session revoked from
      // another browser, signed out everywhere, organization suspended): renewing tells which —
      // a dead session signs this tab out, a live one gets a new token and so a new stream.
      onComplete: () => {
        if (subscription !== opened) return;
        setStatus('reconnecting');
        onUnauthorized();
      },
    },
  );
  subscription = opened;
}

function close(): void {
  subscription?.unsubscribe();
  subscription = undefined;
  setStatus('off');
}

/** Follows the session: one stream per signed-in session, reopened when it changes (switch, renewal). */
export function startLiveEvents(): void {
  const follow = () => {
    const session = currentSession();
    const key = session.kind === 'signed_in' ? `${session.session.sessionId}:${session.session.accessToken}` : null;
    if (key === streamFor) return;
    const sameSession = streamFor !== null && key !== null && streamFor.split(':')[0] === key.split(':')[0];
    streamFor = key;
    close();
    // A renewed token keeps the stream's place; another session starts from now.
    if (!sameSession) lastEventId = null;
    if (key) open();
  };
  subscribeSession(follow);
  follow();
}

export function useLiveStatus(): LiveStatus {
  return useSyncExternalStore(
    (listener) => {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    () => status,
  );
}

/** For feeds that show events as they come (the overview's alerts); caches update on their own. */
export function onLiveEvent(listener: (event: DomainEvent, id: string) => void): () => void {
  eventListeners.add(listener);
  return () => eventListeners.delete(listener);
}
