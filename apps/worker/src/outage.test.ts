import { randomBytes } from 'node:crypto';
import { tenantStreamKey } from '@digame/core/events';
import { connectRedis } from '@digame/core/redis';
import { createTenantWithMembers, rawClient, useSmtpReceiver, useTestDatabase } from '@digame/core/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess, eventually, phase, randomPrefix, startProcess, workerEnv } from './testing/processes.js';
import { type OwnRedis, startOwnRedis } from './testing/redis-server.js';
import { openSession } from './testing/sessions.js';

/**
 * Redis killed under concurrent mutations, with real api and worker processes on a Redis of this
 * file's own: nothing the committed changes promised (emails, events) is lost or doubled once it is
 * back, requests meanwhile are refused at once with 503, and everything recovers by itself.
 */
const database = useTestDatabase();
const smtp = useSmtpReceiver();
const prefix = randomPrefix('outage');
const jwtSecret = randomBytes(32).toString('hex');
let redisServer: OwnRedis;
let api: AppProcess;
let worker: AppProcess;

beforeAll(async () => {
  redisServer = await startOwnRedis();
  const common = { REDIS_URL: redisServer.url, REDIS_PREFIX: prefix };
  api = await startProcess('api', {
    ...common,
    DATABASE_URL: database.appUrl,
    JWT_SECRET: jwtSecret,
    APP_URL: 'http://localhost:5173',
  });
  worker = await startProcess(
    'worker',
    workerEnv({
      databaseUrl: database.appUrl,
      prefix,
      smtpUrl: smtp.current.url,
      extra: { ...common, OUTBOX_SWEEP_EVERY_SECONDS: '1' },
    }),
  );
}, 90_000);

afterAll(async () => {
  await Promise.all([api?.stop('SIGKILL'), worker?.stop('SIGKILL')]);
  await redisServer?.stop();
});

/**
 * Each phase's own bound, so a hang names its phase; their sum stays below the test's timeout.
 * Generous for a CI machine running the whole suite on 2 cores: the bounds catch hangs, not slowness.
 */
const BUDGET_MS = {
  firstCommit: 30_000,
  answers: 20_000,
  refusal: 5_000,
  health: 5_000,
  outage: 12_000,
  restart: 10_000,
  emailsAfterRestart: 40_000,
  events: 15_000,
  settle: 3_000,
  finalCall: 10_000,
};
const TEST_TIMEOUT_MS = Object.values(BUDGET_MS).reduce((sum, ms) => sum + ms, 0) + 10_000;

async function withRedis<T>(work: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = await connectRedis(redisServer.url, 'outage-test');
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

async function call(token: string, procedure: string, input: unknown) {
  const response = await fetch(`${api.url}/trpc/${procedure}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as { error?: { data: Record<string, unknown> } };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
}

describe('Redis killed ~300 ms after 30 concurrent invitations, for 12 s', () => {
  it('sends one email and publishes one invitation.changed event per committed invitation, and answers 503 meanwhile', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const t = await createTenantWithMembers(database.db, 'Outage Co', 'enterprise');
    const { token } = await withRedis((redis) =>
      openSession(redis, prefix, jwtSecret, {
        tenantId: t.tenantId,
        tenantUuid: t.tenantUuid,
        userId: t.users.admin,
        role: 'admin',
      }),
    );
    const emails = Array.from({ length: 30 }, (_, i) => `invitee-${i}@outage.test`);
    const processes = [api, worker];
    // "~300 ms later" on a machine of any speed: Redis dies as soon as the first invitation has
    // committed, while the others are in flight (past the gate, in their transactions or relaying).
    const settled: number[] = [];
    const invitations = Promise.all(
      emails.map((email) =>
        call(token, 'invitations.create', { email, role: 'member' }).then((answer) => {
          settled.push(answer.status);
          return answer;
        }),
      ),
    );
    const watcher = await rawClient(database.ownerUrl);
    await watcher.query("select set_config('app.current_tenant_id', $1, false)", [String(t.tenantId)]);
    await phase(
      'first commit',
      BUDGET_MS.firstCommit,
      () =>
        eventually(
          async () => {
            const { rows } = await watcher.query<{ n: number }>('select count(*)::int as n from tenant_invitations');
            return (rows[0]?.n ?? 0) > 0 ? true : undefined;
          },
          { what: 'the first invitation to commit', intervalMs: 5, timeoutMs: BUDGET_MS.firstCommit },
        ),
      { processes, progress: () => `${settled.length} of 30 answered: ${settled.join(' ')}` },
    );
    await watcher.end();
    await redisServer.kill();
    const killedAt = Date.now();
    const answers = await phase('the 30 answers', BUDGET_MS.answers, () => invitations, {
      processes,
      progress: () => `${settled.length} of 30 answered: ${settled.join(' ')}`,
    });
    const answersMs = Date.now() - killedAt;

    // While Redis is down: a call that needs it is refused at once, in tRPC's shape, with Retry-After.
    const started = performance.now();
    const refused = await phase(
      'the refusal',
      BUDGET_MS.refusal,
      () => call(token, 'invitations.create', { email: 'late@outage.test', role: 'member' }),
      { processes },
    );
    const refusalMs = Math.round(performance.now() - started);
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).toMatch(/^\d+$/);
    expect(refused.body.error?.data).toMatchObject({ code: 'SERVICE_UNAVAILABLE', httpStatus: 503 });
    const health = await phase('/healthz during the outage', BUDGET_MS.health, () => fetch(`${api.url}/healthz`), {
      processes,
    });
    expect(health.status).toBe(503);
    expect(((await health.json()) as { down: string[] }).down).toEqual(['redis']);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, BUDGET_MS.outage - (Date.now() - killedAt))));
    await phase('Redis restart after the 12 s outage', BUDGET_MS.restart, () => redisServer.start());
    const restartedAt = Date.now();

    // Every call was either committed and answered 200, or refused with 503 and left nothing;
    // every committed invitation gets exactly one email and one event once Redis is back.
    const owner = await rawClient(database.ownerUrl);
    await owner.query("select set_config('app.current_tenant_id', $1, false)", [String(t.tenantId)]);
    const stored = (await owner.query<{ id: string; email: string }>('select id, email from tenant_invitations')).rows;
    await owner.end();
    const accepted = answers.filter((answer) => answer.status === 200);
    const refusedDuringOutage = answers.filter((answer) => answer.status === 503);
    expect(stored).toHaveLength(accepted.length);
    expect(accepted.length + refusedDuringOutage.length).toBe(30);
    const invited = emails.filter((email) => stored.some((row) => row.email === email));

    const delivered = () => invited.filter((email) => smtp.current.to(email).length > 0).length;
    await phase(
      'emails after restart',
      BUDGET_MS.emailsAfterRestart,
      () => smtp.current.waitFor(() => delivered() === invited.length, BUDGET_MS.emailsAfterRestart),
      { processes, progress: () => `${delivered()} of ${invited.length} delivered` },
    );
    const recoveredSeconds = (Date.now() - restartedAt) / 1000;
    let eventsSeen = 0;
    const events = await phase(
      'events',
      BUDGET_MS.events,
      () =>
        eventually(
          () =>
            withRedis(async (redis) => {
              const entries = await redis.xrange(tenantStreamKey(prefix, t.tenantId), '-', '+');
              const created = entries
                .map(([, fields]) => JSON.parse(fields[1] ?? '{}'))
                .filter((event) => event.type === 'invitation.changed' && event.data.change === 'created');
              eventsSeen = created.length;
              return created.length >= stored.length ? created : undefined;
            }),
          { what: 'an invitation.changed event per invitation', timeoutMs: BUDGET_MS.events },
        ),
      { processes, progress: () => `${eventsSeen} of ${stored.length} events` },
    );
    // A sweep or two more, then count again: nothing arrives twice.
    await new Promise((resolve) => setTimeout(resolve, BUDGET_MS.settle));
    for (const email of emails) expect(smtp.current.to(email)).toHaveLength(invited.includes(email) ? 1 : 0);
    expect(new Set(events.map((event) => event.data.invitationId))).toEqual(new Set(stored.map((row) => row.id)));
    expect(events).toHaveLength(stored.length);

    // Recovered by itself: the same session works again.
    const after = await phase(
      'final call',
      BUDGET_MS.finalCall,
      () => call(token, 'invitations.create', { email: 'after@outage.test', role: 'member' }),
      { processes },
    );
    expect(after.status).toBe(200);
    expect(((await (await fetch(`${api.url}/healthz`)).json()) as { down: string[] }).down).toEqual([]);
    console.info(
      `redis outage: ${accepted.length} committed (${refusedDuringOutage.length} refused with 503), ${invited.length} emails, ${events.length} events, 0 lost, 0 doubled, all 30 answered ${answersMs} ms after the kill, refusal in ${refusalMs} ms, all delivered ${recoveredSeconds.toFixed(1)} s after Redis returned`,
    );
  });
});
