import { randomBytes } from 'node:crypto';
import type { Database, UnitOfWork } from '@digame/core/db';
import { JobQueues } from '@digame/core/jobs';
import { connectRedis } from '@digame/core/redis';
import { apiCallCounterKey, hourStart } from '@digame/core/request';
import {
  createTenantWithMembers,
  rawClient,
  testServices,
  useSmtpReceiver,
  useTestDatabase,
} from '@digame/core/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess, eventually, phase, randomPrefix, startProcess, workerEnv } from './testing/processes.js';
import { openSession } from './testing/sessions.js';

const database = useTestDatabase();
const smtp = useSmtpReceiver();
const prefix = randomPrefix('metering');
const jwtSecret = randomBytes(32).toString('hex');
const processes: AppProcess[] = [];
let redis: Redis;
let jobs: JobQueues;

beforeAll(async () => {
  redis = await connectRedis(testServices().redisUrl, 'metering-test');
  jobs = new JobQueues(redis, prefix);
});

afterAll(async () => {
  await Promise.all(processes.map((app) => app.stop('SIGKILL')));

  await jobs.close();
  await redis.quit();
});

async function start(app: 'api' | 'worker', name: string): Promise<AppProcess> {
  const env =
    app === 'api'
      ? {
          DATABASE_URL: database.appUrl,
          REDIS_URL: testServices().redisUrl,
          REDIS_PREFIX: prefix,
          JWT_SECRET: jwtSecret,
          APP_URL: 'http://localhost:5173',
        }
      : workerEnv({ databaseUrl: database.appUrl, prefix, smtpUrl: smtp.current.url });
  const started = await startProcess(app, env, { name });
  processes.push(started);
  return started;
}

const inTenant = <T>(db: Database, tenantId: number, work: UnitOfWork<T>) => db.inTenant(tenantId, work);

async function recordedCalls(tenantId: number): Promise<number> {
  const [row] = await inTenant(database.db, tenantId, (em) =>
    em.execute<{ calls: string | null }[]>(
      `select sum(quantity) as calls from tenant_usage_records where tenant_id = ? and metric = 'api_calls'`,
      [tenantId],
    ),
  );
  return Number(row?.calls ?? 0);
}

async function flushAndWait(jobId: string): Promise<void> {
  await jobs.enqueue('usage.flush', {}, { jobId });
  await eventually(
    async () => {
      const state = await (await jobs.queue('usage').getJob(jobId))?.getState();
      if (state === 'failed') throw new Error(`flush ${jobId} failed`);
      return state === 'completed' ? true : undefined;
    },
    { what: `flush ${jobId}`, timeoutMs: 30_000 },
  );
}

/** `calls` procedure calls as `requests` HTTP requests: singles and batches of three. */
async function call(api: AppProcess, token: string, calls: number): Promise<void> {
  const requests: Promise<Response>[] = [];
  let left = calls;
  while (left > 0) {
    const batch = Math.min(3, left);
    // Alternating a public and an authenticated procedure: both are counted for a caller with a credential.
    const names = Array.from({ length: batch }, (_, i) => (i % 2 ? 'events.recent' : 'system.tiers'));
    const input = encodeURIComponent(
      JSON.stringify(Object.fromEntries(names.flatMap((name, i) => (name === 'events.recent' ? [[i, {}]] : [])))),
    );
    const path = names.join(',');
    requests.push(
      fetch(`${api.url}/trpc/${path}?batch=1&input=${input}`, { headers: { authorization: `Bearer ${token}` } }),
    );
    left -= batch;
  }
  for (const response of await Promise.all(requests)) {
    expect(response.status, await response.clone().text()).toBe(200);
  }
}

describe('API-call metering across processes', () => {
  let apis: AppProcess[];

  beforeAll(async () => {
    apis = await Promise.all([start('api', 'api-1'), start('api', 'api-2')]);
    await start('worker', 'worker-1');
  }, 90_000);

  it('N calls through two api processes yield exactly N in usage records, however often flushed', async () => {
    const a = await createTenantWithMembers(database.db, 'Meter A');
    const b = await createTenantWithMembers(database.db, 'Meter B');
    const tokenA = (
      await openSession(redis, prefix, jwtSecret, {
        tenantId: a.tenantId,
        tenantUuid: a.tenantUuid,
        userId: a.users.admin,
        role: 'admin',
      })
    ).token;
    const tokenB = (
      await openSession(redis, prefix, jwtSecret, {
        tenantId: b.tenantId,
        tenantUuid: b.tenantUuid,
        userId: b.users.member,
        role: 'member',
      })
    ).token;
    const [api1, api2] = apis as [AppProcess, AppProcess];

    await Promise.all([call(api1, tokenA, 20), call(api2, tokenA, 17), call(api2, tokenB, 8), call(api1, tokenB, 3)]);
    await flushAndWait('flush-1');
    expect(await recordedCalls(a.tenantId)).toBe(37);
    expect(await recordedCalls(b.tenantId)).toBe(11);

    await flushAndWait('flush-2');
    expect(await recordedCalls(a.tenantId)).toBe(37);

    await call(api1, tokenA, 5);
    await flushAndWait('flush-3');
    expect(await recordedCalls(a.tenantId)).toBe(42);
    expect(await recordedCalls(b.tenantId)).toBe(11);
  });

  it('answers the (limit+1)-th call of the hour with 429 and rate-limit headers, and does not count it', async () => {
    const t = await createTenantWithMembers(database.db, 'Limited Co');
    await inTenant(database.db, t.tenantId, (em) =>
      em.execute('update tenants set api_rate_limit = 5 where id = ?', [t.tenantId]),
    );
    const { token } = await openSession(redis, prefix, jwtSecret, {
      tenantId: t.tenantId,
      tenantUuid: t.tenantUuid,
      userId: t.users.admin,
      role: 'admin',
    });
    const [api1, api2] = apis as [AppProcess, AppProcess];
    await call(api1, token, 3);
    await call(api2, token, 2);
    const refused = await fetch(`${api1.url}/trpc/events.recent`, { headers: { authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('5');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = Number(refused.headers.get('x-ratelimit-reset'));
    expect(reset * 1000).toBe(hourStart(Date.now()) + 3_600_000);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await refused.json()) as { error: { data: { code: string } } };
    expect(body.error.data.code).toBe('TOO_MANY_REQUESTS');

    await flushAndWait('flush-limited');
    expect(await recordedCalls(t.tenantId)).toBe(5);

    const metrics = await (await fetch(`${api1.url}/metrics`)).text();
    expect(metrics).toMatch(/digame_api_rate_limited_total [1-9]/);
    expect(metrics).toMatch(/digame_api_requests_total\{procedure="events.recent",status="429"\} 1/);
    expect(metrics).toMatch(/digame_api_request_duration_seconds_count\{procedure="system.tiers"\} [1-9]/);
  });

  // Two process starts, a graceful stop and two waits for jobs: a budget of its own, not the 30 s default.
  it('a flush killed mid-way neither loses nor double-counts: the next run completes it exactly', {
    timeout: 120_000,
  }, async () => {
    const tenants = [];
    for (let i = 1; i <= 5; i++) tenants.push(await createTenantWithMembers(database.db, `Kill ${i}`));
    const expected = new Map(tenants.map((t, i) => [t.tenantId, 10 * (i + 1) + 3]));
    const hour = hourStart(Date.now());
    for (const [tenantId, calls] of expected) await redis.incrby(apiCallCounterKey(prefix, tenantId, hour), calls);

    // Hold a row lock on the last tenant's record, so the flush stops there after the others committed.
    const last = tenants[tenants.length - 1]!.tenantId;
    await inTenant(database.db, last, (em) =>
      em.execute(
        `insert into tenant_usage_records (tenant_id, metric, period_start, quantity) values (?, 'api_calls', ?, 0)`,
        [last, new Date(hour)],
      ),
    );
    const locker = await rawClient(database.appUrl);
    await locker.query('begin');
    await locker.query(`select set_config('app.current_tenant_id', $1, true)`, [String(last)]);
    await locker.query(`select * from tenant_usage_records where tenant_id = $1 for update`, [last]);

    const doomed = await start('worker', 'doomed-worker');
    // Only the doomed worker may take the flush: stop the healthy one first.
    await phase('the healthy worker to stop', 15_000, async () => {
      await processes.find((app) => app.name === 'worker-1')?.stop('SIGTERM');
    });
    await jobs.enqueue('usage.flush', {}, { jobId: 'flush-killed' });
    const before = tenants.slice(0, -1);
    await eventually(
      async () => {
        for (const t of before) if ((await recordedCalls(t.tenantId)) !== expected.get(t.tenantId)) return undefined;
        return true;
      },
      { what: 'the flush to reach the locked tenant' },
    );
    doomed.child.kill('SIGKILL');
    await phase('the killed worker to exit', 10_000, () => doomed.exited);
    await locker.query('rollback');
    await locker.end();
    expect(await recordedCalls(last)).toBe(0);

    // Traffic goes on while no worker runs.
    await redis.incrby(apiCallCounterKey(prefix, tenants[0]!.tenantId, hour), 4);
    expected.set(tenants[0]!.tenantId, (expected.get(tenants[0]!.tenantId) ?? 0) + 4);

    // A new worker takes the stalled flush over and completes it; a further flush changes nothing.
    await start('worker', 'worker-2');
    await eventually(
      async () =>
        (await (await jobs.queue('usage').getJob('flush-killed'))?.getState()) === 'completed' ? true : undefined,
      { what: 'the stalled flush to be taken over', timeoutMs: 30_000 },
    );
    await flushAndWait('flush-after-kill');
    for (const [tenantId, calls] of expected) expect(await recordedCalls(tenantId)).toBe(calls);
  });
});
