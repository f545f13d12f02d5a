import { createTenantWithMembers } from '@digame/core/testing';
import { createTRPCClient, httpSubscriptionLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import { describe, expect, it } from 'vitest';
import { useTestApi } from '../../testing/test-api.js';
import type { AppRouter } from '../router.js';
import type { PublicDomainEvent } from './events.js';

const api = useTestApi({ EVENTS_RECHECK_SECONDS: '1' });

/** A typed subscription client that authenticates with the Authorization header, never the URL. */
function streamClient(token?: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpSubscriptionLink({
        url: `${api.url}/trpc`,
        EventSource,
        eventSourceOptions: {
          fetch: (input, init) =>
            fetch(input, {
              ...init,
              headers: { ...init?.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
            }),
        },
      }),
    ],
  });
}

interface Received {
  events: { id: string; event: PublicDomainEvent }[];
  ended: Promise<'complete' | Error>;
  started: Promise<void>;
  stop(): void;
}

function subscribe(token: string | undefined, lastEventId?: string): Received {
  const events: Received['events'] = [];
  let end: (value: 'complete' | Error) => void = () => {};
  let start: () => void = () => {};
  const ended = new Promise<'complete' | Error>((resolve) => {
    end = resolve;
  });
  const started = new Promise<void>((resolve) => {
    start = resolve;
  });
  const subscription = streamClient(token).events.stream.subscribe(lastEventId ? { lastEventId } : {}, {
    onStarted: () => start(),
    onData: (envelope) => {
      // Opening a stream makes its tenant's API calls (this test's own) announced live; the tests
      // here are about the events they publish themselves.
      if (envelope.data.type === 'usage.updated' && envelope.data.data.metric === 'api_calls') return;
      events.push({ id: envelope.id, event: envelope.data });
    },
    onError: (error) => end(error),
    onComplete: () => end('complete'),
  });
  return { events, ended, started, stop: () => subscription.unsubscribe() };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('events.stream', () => {
  it('delivers to each subscriber only its own tenant events', async () => {
    const a = await createTenantWithMembers(api.database.db, 'Stream A');
    const b = await createTenantWithMembers(api.database.db, 'Stream B');
    const subA = subscribe(await api.sessionToken({ tenantId: a.tenantId, userId: a.users.admin, role: 'admin' }));
    const subB = subscribe(await api.sessionToken({ tenantId: b.tenantId, userId: b.users.admin, role: 'admin' }));
    await Promise.all([subA.started, subB.started]);
    for (let i = 0; i < 3; i++) {
      await api.deps.events.publish(a.tenantId, 'member.changed', { n: i });
      await api.deps.events.publish(b.tenantId, 'member.changed', { n: i });
    }
    await until(() => subA.events.length === 3 && subB.events.length === 3, 'three events each');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(subA.events.map((e) => e.event.tenantId)).toEqual([a.tenantUuid, a.tenantUuid, a.tenantUuid]);
    expect(subB.events.map((e) => e.event.tenantId)).toEqual([b.tenantUuid, b.tenantUuid, b.tenantUuid]);
    subA.stop();
    subB.stop();
  });

  it('delivers only the events the subscriber role may read', async () => {
    const t = await createTenantWithMembers(api.database.db, 'Stream Roles');
    const viewer = subscribe(await api.sessionToken({ tenantId: t.tenantId, userId: t.users.viewer, role: 'viewer' }));
    await viewer.started;
    await api.deps.events.publish(t.tenantId, 'usage.updated', {}); // usage.read: not a viewer's
    await api.deps.events.publish(t.tenantId, 'audit.appended', {}); // audit.read: not a viewer's
    await api.deps.events.publish(t.tenantId, 'tenant.changed', {}); // tenant.read: a viewer's
    await until(() => viewer.events.length === 1, 'the tenant event');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(viewer.events.map((e) => e.event.type)).toEqual(['tenant.changed']);
    viewer.stop();
  });

  it('resumes from the last event id with exactly what was missed, then goes on live', async () => {
    const t = await createTenantWithMembers(api.database.db, 'Stream Resume');
    const token = await api.sessionToken({ tenantId: t.tenantId, userId: t.users.admin, role: 'admin' });
    const first = subscribe(token);
    await first.started;
    await api.deps.events.publish(t.tenantId, 'member.changed', { n: 1 });
    await api.deps.events.publish(t.tenantId, 'member.changed', { n: 2 });
    await until(() => first.events.length === 2, 'the first two events');
    first.stop();
    const lastId = first.events[1]?.id as string;

    for (const n of [3, 4, 5]) await api.deps.events.publish(t.tenantId, 'member.changed', { n });
    const resumed = subscribe(token, lastId);
    await until(() => resumed.events.length === 3, 'the missed events');
    await api.deps.events.publish(t.tenantId, 'member.changed', { n: 6 });
    await until(() => resumed.events.length === 4, 'the live event');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(resumed.events.map((e) => e.event.data.n)).toEqual([3, 4, 5, 6]);
    resumed.stop();
  });

  it('closes the stream of a session that was revoked', async () => {
    const t = await createTenantWithMembers(api.database.db, 'Stream Revoked');
    const token = await api.sessionToken({ tenantId: t.tenantId, userId: t.users.admin, role: 'admin' });
    const sub = subscribe(token);
    await sub.started;
    const sessionKeys = await api.deps.redis.keys(`${api.config.REDIS_PREFIX}:sess:*`);
    await api.deps.redis.del(...sessionKeys);
    const outcome = await Promise.race([
      sub.ended,
      new Promise((resolve) => setTimeout(() => resolve('still open'), 5_000)),
    ]);
    expect(outcome).not.toBe('still open');
    sub.stop();
  });

  it('refuses a last event id past what a Redis stream id holds as bad input, not a server error', async () => {
    const t = await createTenantWithMembers(api.database.db, 'Stream Far Id');
    const token = await api.sessionToken({ tenantId: t.tenantId, userId: t.users.admin, role: 'admin' });
    const sub = subscribe(token, '99999999999999999999-0');
    const outcome = await sub.ended;
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as { data?: { code?: string } }).data?.code).toBe('BAD_REQUEST');
    expect((outcome as Error).message).toMatch(/stream id/);
    sub.stop();
  });

  it('refuses a subscriber without a credential', async () => {
    const sub = subscribe(undefined);
    const outcome = await sub.ended;
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as { data?: { code?: string } }).data?.code).toBe('UNAUTHORIZED');
    sub.stop();
  });
});

describe('events.recent', () => {
  it('lists the caller tenant latest events it may see, and nothing of another tenant', async () => {
    const a = await createTenantWithMembers(api.database.db, 'Recent A');
    const b = await createTenantWithMembers(api.database.db, 'Recent B');
    await api.deps.events.publish(a.tenantId, 'member.changed', { mine: true });
    await api.deps.events.publish(b.tenantId, 'member.changed', { mine: false });
    await api.deps.events.publish(a.tenantId, 'audit.appended', {});
    const member = api.client(await api.sessionToken({ tenantId: a.tenantId, userId: a.users.member, role: 'member' }));
    const { events } = await member.events.recent.query({ limit: 10 });
    expect(events.map((e) => [e.event.type, e.event.tenantId])).toEqual([['member.changed', a.tenantUuid]]);
  });
});
