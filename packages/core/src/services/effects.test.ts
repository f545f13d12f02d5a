import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialStore } from '../auth/credential-store.js';
import { sessionKey } from '../auth/credentials.js';
import { AuthSession } from '../auth/session.entity.js';
import { revokeSession } from '../auth/sessions.js';
import { uuidv7 } from '../db/ids.js';
import { sweepOutbox } from '../db/outbox.js';
import { EventPublisher, tenantStreamKey } from '../events/event-bus.js';
import { JobQueues } from '../jobs/queues.js';
import { createRedis } from '../redis/client.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import {
  createTenantWithMembers,
  rawClient,
  type TenantFixture,
  useServiceDeps,
  useTestDatabase,
} from '../testing/index.js';
import { type ServiceDeps, tenantContext } from './context.js';
import { enqueueAfterCommit, runServiceEffect } from './effects.js';

const database = useTestDatabase();
const deps = useServiceDeps(() => database.db);
/** The same collaborators on a Redis connection that is closed: every effect through them fails. */
let unreachable: ServiceDeps;
let closedRedis: Redis;
let acme: TenantFixture;
let globex: TenantFixture;

beforeAll(async () => {
  closedRedis = createRedis('redis://127.0.0.1:1', 'closed');
  closedRedis.disconnect();
  unreachable = {
    ...deps.services,
    jobs: new JobQueues(closedRedis, deps.prefix),
    events: new EventPublisher(closedRedis, deps.prefix),
    tenants: new TenantDirectory(database.db, closedRedis, deps.prefix),
    credentials: new CredentialStore(closedRedis, deps.prefix),
  };
  acme = await createTenantWithMembers(database.db, 'Outbox Acme');
  globex = await createTenantWithMembers(database.db, 'Outbox Globex');
});

afterAll(() => closedRedis.disconnect());

/** Outbox rows as the owner sees them in one tenant (RLS binds the owner's writes too). */
async function outboxRows(tenantId: number | null): Promise<{ id: string; kind: string; attempts: number }[]> {
  const owner = await rawClient(database.ownerUrl);
  try {
    if (tenantId === null) return (await owner.query('select id, kind, attempts from global_outbox order by id')).rows;
    await owner.query("select set_config('app.current_tenant_id', $1, false)", [String(tenantId)]);
    return (await owner.query('select id, kind, attempts from tenant_outbox order by id')).rows;
  } finally {
    await owner.end();
  }
}

/** Lets the sweeper take rows now instead of after the relay's grace period. */
async function endGracePeriod(tenantId: number | null): Promise<void> {
  const owner = await rawClient(database.ownerUrl);
  try {
    if (tenantId === null) await owner.query('update global_outbox set next_attempt_at = now()');
    else {
      await owner.query("select set_config('app.current_tenant_id', $1, false)", [String(tenantId)]);
      await owner.query('update tenant_outbox set next_attempt_at = now()');
    }
  } finally {
    await owner.end();
  }
}

async function streamEntries(tenantId: number) {
  return deps.redis.xrange(tenantStreamKey(deps.prefix, tenantId), '-', '+');
}

const sweep = () => sweepOutbox(database.db, (entry, db) => runServiceEffect(deps.services, entry, db));

async function eventuallyEmpty(tenantId: number | null): Promise<void> {
  for (let i = 0; i < 100 && (await outboxRows(tenantId)).length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(await outboxRows(tenantId)).toEqual([]);
}

describe('the transactional outbox', () => {
  it('runs the effects of a committed unit of work right after commit and then forgets them', async () => {
    const before = (await streamEntries(acme.tenantId)).length;
    await database.db.inTenant(acme.tenantId, async (em) => {
      const ctx = tenantContext(em, acme.tenantId, { userId: null }, deps.services);
      ctx.publish('tenant.changed', { change: 'outbox-test' });
      ctx.enqueue('usage.measure', { tenantId: acme.tenantId });
      // Inside the transaction nothing has happened yet.
      expect((await streamEntries(acme.tenantId)).length).toBe(before);
    });
    const entries = await streamEntries(acme.tenantId);
    expect(entries.length).toBe(before + 1);
    const event = JSON.parse(entries.at(-1)?.[1][1] ?? '{}');
    expect(event).toMatchObject({ type: 'tenant.changed', data: { change: 'outbox-test' } });
    const jobs = await deps.services.jobs.queue('usage').getJobs(['waiting']);
    expect(jobs.filter((job) => job.name === 'usage.measure' && job.data.tenantId === acme.tenantId)).toHaveLength(1);
    // Both are named after their outbox entries, so a repeat is recognised.
    expect(event.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(jobs.map((job) => job.id)).toEqual([expect.stringMatching(/^outbox-[0-9a-f-]{36}$/)]);
    await eventuallyEmpty(acme.tenantId);
  });

  it('leaves neither row nor effect when the unit of work rolls back', async () => {
    const before = (await streamEntries(globex.tenantId)).length;
    await expect(
      database.db.inTenant(globex.tenantId, async (em) => {
        tenantContext(em, globex.tenantId, { userId: null }, deps.services).publish('tenant.changed', {});
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await streamEntries(globex.tenantId)).length).toBe(before);
    expect(await outboxRows(globex.tenantId)).toEqual([]);
  });

  it('keeps what could not run and the sweeper runs each effect once, however often it sweeps', async () => {
    const before = (await streamEntries(acme.tenantId)).length;
    // Answers as soon as the transaction commits, although Redis is unreachable.
    await database.db.inTenant(acme.tenantId, async (em) => {
      const ctx = tenantContext(em, acme.tenantId, { userId: null }, unreachable);
      ctx.publish('member.changed', { change: 'during-outage' });
      ctx.enqueue('health.score', { tenantId: acme.tenantId });
      ctx.invalidateTenantFacts();
    });
    expect((await outboxRows(acme.tenantId)).map((row) => row.kind).sort()).toEqual([
      'event.publish',
      'job.enqueue',
      'tenant_facts.invalidate',
    ]);
    expect(await sweep()).toEqual({ ran: 0, failed: 0 }); // still within the relay's grace

    await endGracePeriod(acme.tenantId);
    const failing = await sweepOutbox(database.db, (entry, db) => runServiceEffect(unreachable, entry, db));
    expect(failing).toEqual({ ran: 0, failed: 3 });
    expect((await outboxRows(acme.tenantId)).map((row) => row.attempts)).toEqual([1, 1, 1]);

    await endGracePeriod(acme.tenantId);
    expect(await sweep()).toEqual({ ran: 3, failed: 0 });
    await endGracePeriod(acme.tenantId);
    expect(await sweep()).toEqual({ ran: 0, failed: 0 });
    expect(await outboxRows(acme.tenantId)).toEqual([]);
    const events = (await streamEntries(acme.tenantId)).slice(before);
    expect(events.map(([, fields]) => JSON.parse(fields[1] ?? '{}').data)).toEqual([{ change: 'during-outage' }]);
    const scores = await deps.services.jobs.queue('lifecycle').getJobs(['waiting']);
    expect(scores.filter((job) => job.name === 'health.score')).toHaveLength(1);
  });

  it('makes a repeated effect a no-op: the same entry publishes one event and enqueues one job', async () => {
    const before = (await streamEntries(globex.tenantId)).length;
    const publish = {
      id: uuidv7(),
      tenantId: globex.tenantId,
      kind: 'event.publish',
      payload: { type: 'tenant.changed', data: {} },
    };
    const enqueue = {
      id: uuidv7(),
      tenantId: globex.tenantId,
      kind: 'job.enqueue',
      payload: { name: 'billing.cycle', data: { tenantId: globex.tenantId }, options: {} },
    };
    for (let i = 0; i < 3; i++) {
      await runServiceEffect(deps.services, publish, database.db);
      await runServiceEffect(deps.services, enqueue, database.db);
    }
    expect((await streamEntries(globex.tenantId)).length).toBe(before + 1);
    const cycles = await deps.services.jobs.queue('lifecycle').getJobs(['waiting']);
    expect(cycles.filter((job) => job.name === 'billing.cycle' && job.data.tenantId === globex.tenantId)).toHaveLength(
      1,
    );
  });

  it('carries the effects of a global unit of work in the global outbox', async () => {
    await database.db.inGlobal(async (em) => {
      enqueueAfterCommit(em, unreachable, 'email.send', {
        tenantId: null,
        to: 'someone@example.com',
        template: 'offboarding',
        dedupeKey: 'global-outbox-test',
        data: { tenantName: 'Nobody', message: 'Bye.' },
      });
    });
    expect((await outboxRows(null)).map((row) => row.kind)).toEqual(['job.enqueue']);
    await endGracePeriod(null);
    expect(await sweep()).toEqual({ ran: 1, failed: 0 });
    const emails = await deps.services.jobs.queue('emails').getJobs(['waiting']);
    expect(emails.filter((job) => job.data.dedupeKey === 'global-outbox-test')).toHaveLength(1);
    expect(await outboxRows(null)).toEqual([]);
  });

  it("keeps one tenant's outbox out of another tenant's reach, even with the ORM filter off", async () => {
    await database.db.inTenant(acme.tenantId, async (em) => {
      tenantContext(em, acme.tenantId, { userId: null }, unreachable).publish('tenant.changed', { secret: 'acme' });
    });
    const seenByGlobex = await database.db.inTenant(globex.tenantId, (em) =>
      em.execute<{ tenant_id: number }[]>('select tenant_id from tenant_outbox'),
    );
    expect(seenByGlobex).toEqual([]);
    const seenWithoutTenant = await database.db.inGlobal((em) => em.execute('select * from tenant_outbox'));
    expect(seenWithoutTenant).toEqual([]);
    await expect(
      database.db.inTenant(globex.tenantId, (em) =>
        em.execute(
          "insert into tenant_outbox (tenant_id, id, kind, payload, next_attempt_at) values (?, ?, 'event.publish', '{}', now())",
          [acme.tenantId, uuidv7()],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    // The sweeper learns which tenants have waiting rows, and nothing else.
    await endGracePeriod(acme.tenantId);
    const due = await database.db.inGlobal((em) => em.execute('select * from outbox_due_tenants(10)'));
    expect(due).toEqual([{ tenant_id: acme.tenantId }]);
    expect(await sweep()).toEqual({ ran: 1, failed: 0 });
  });
});

describe('revocation through the outbox', () => {
  async function liveSession(fixture: TenantFixture): Promise<string> {
    const id = uuidv7();
    await database.db.inTenant(fixture.tenantId, async (em) => {
      em.create(AuthSession, {
        tenant: fixture.tenantId,
        id,
        user: fixture.users.member,
        refreshTokenHash: 'x'.repeat(64),
        absoluteExpiresAt: new Date(Date.now() + 3_600_000),
      });
    });
    const record = {
      kind: 'session' as const,
      tenantId: fixture.tenantId,
      userId: fixture.users.member,
      role: 'member' as const,
      permissions: [],
      platformOperator: false,
      expiresAt: Date.now() + 3_600_000,
    };
    expect(await deps.services.credentials.putSession(id, record, 60_000)).toBe(true);
    return id;
  }

  it('has removed the Redis record by the time the revocation commits, and nothing can write it back', async () => {
    const id = await liveSession(acme);
    let visibleInsideTransaction: string | null = 'unset';
    await database.db.inTenant(acme.tenantId, async (em) => {
      const ctx = tenantContext(em, acme.tenantId, { userId: null }, deps.services);
      expect(await revokeSession(ctx, id, 'revoked')).toBe(true);
      visibleInsideTransaction = await deps.redis.get(sessionKey(deps.prefix, id));
    });
    expect(visibleInsideTransaction).not.toBeNull(); // still live until the unit of work commits
    expect(await deps.redis.get(sessionKey(deps.prefix, id))).toBeNull();
    // A refresh that raced the revocation cannot revive the session.
    const revived = await deps.services.credentials.putSession(
      id,
      {
        kind: 'session',
        tenantId: acme.tenantId,
        userId: acme.users.member,
        role: 'member',
        permissions: [],
        platformOperator: false,
        expiresAt: Date.now() + 3_600_000,
      },
      60_000,
    );
    expect(revived).toBe(false);
    expect(await deps.redis.get(sessionKey(deps.prefix, id))).toBeNull();
  });

  it('refuses to revoke while Redis is unreachable, and changes nothing in PostgreSQL', async () => {
    const id = await liveSession(globex);
    await expect(
      database.db.inTenant(globex.tenantId, (em) =>
        revokeSession(tenantContext(em, globex.tenantId, { userId: null }, unreachable), id, 'revoked'),
      ),
    ).rejects.toThrow();
    const session = await database.db.inTenant(globex.tenantId, (em) => em.findOneOrFail(AuthSession, { id }));
    expect(session.revokedAt ?? null).toBeNull();
    expect(await deps.redis.get(sessionKey(deps.prefix, id))).not.toBeNull();
    expect(await outboxRows(globex.tenantId)).toEqual([]);
  });
});
