import { randomBytes } from 'node:crypto';
import { JobQueues } from '@digame/core/jobs';
import { connectRedis } from '@digame/core/redis';
import { createTenantWithMembers, testServices, useSmtpReceiver, useTestDatabase } from '@digame/core/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess, eventually, phase, randomPrefix, startProcess, workerEnv } from './testing/processes.js';
import { openSession } from './testing/sessions.js';

/**
 * Two api and two worker processes against one PostgreSQL and one Redis, as a deployment with two
 * replicas of each runs: nothing may depend on being the only process of its kind.
 */
const database = useTestDatabase();
const smtp = useSmtpReceiver();
const prefix = randomPrefix('scale');
const jwtSecret = randomBytes(32).toString('hex');
const startedAt = Date.now();
let redis: Redis;
let jobs: JobQueues;
let apis: [AppProcess, AppProcess];
let workers: [AppProcess, AppProcess];

/** Each wait's own bound, so a hang names its step; a test's timeout is the sum of its steps. */
const BUDGET_MS = { start: 60_000, delivery: 15_000, flush: 20_000, claim: 15_000, exit: 10_000, takeOver: 30_000 };

beforeAll(async () => {
  redis = await connectRedis(testServices().redisUrl, 'scale-out-test');
  jobs = new JobQueues(redis, prefix);
  const apiEnv = {
    DATABASE_URL: database.appUrl,
    REDIS_URL: testServices().redisUrl,
    REDIS_PREFIX: prefix,
    JWT_SECRET: jwtSecret,
    APP_URL: 'http://localhost:5173',
  };
  // Usage is flushed by the schedule every second, by whichever worker takes the tick.
  const env = workerEnv({
    databaseUrl: database.appUrl,
    prefix,
    smtpUrl: smtp.current.url,
    extra: { USAGE_FLUSH_EVERY_SECONDS: '1' },
  });
  const options = { timeoutMs: BUDGET_MS.start };
  const [api1, api2, worker1, worker2] = await Promise.all([
    startProcess('api', apiEnv, { ...options, name: 'api-1' }),
    startProcess('api', apiEnv, { ...options, name: 'api-2' }),
    startProcess('worker', env, { ...options, name: 'worker-1' }),
    startProcess('worker', env, { ...options, name: 'worker-2' }),
  ]);
  apis = [api1, api2];
  workers = [worker1, worker2];
}, BUDGET_MS.start + 5_000);

afterAll(async () => {
  smtp.current.release();
  await Promise.all([...(apis ?? []), ...(workers ?? [])].map((app) => app.stop('SIGKILL')));
  await jobs?.close();
  await redis?.quit();
});

async function sessionOf(
  t: Awaited<ReturnType<typeof createTenantWithMembers>>,
  role: 'admin' | 'member',
  platformOperator = false,
): Promise<string> {
  const member = { tenantId: t.tenantId, tenantUuid: t.tenantUuid, userId: t.users[role], role, platformOperator };
  return (await openSession(redis, prefix, jwtSecret, member)).token;
}

async function call(api: AppProcess, token: string, procedure: string, input?: unknown, method = 'POST') {
  const url =
    method === 'GET'
      ? `${api.url}/trpc/${procedure}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`
      : `${api.url}/trpc/${procedure}`;
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: JSON.stringify(input ?? {}) } : {}),
  });
  const body = (await response.json()) as { result?: unknown; error?: { data: Record<string, unknown> } };
  return { status: response.status, body };
}

/** A live event subscription on one api, collecting what it receives in the background. */
function subscribe(api: AppProcess, token: string) {
  const controller = new AbortController();
  let text = '';
  const connected = (async () => {
    const response = await fetch(`${api.url}/trpc/events.stream?input=${encodeURIComponent('{}')}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let resolved = false;
    return new Promise<void>((resolve, reject) => {
      (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          text += decoder.decode(value);
          if (!resolved && text.includes('event: connected')) {
            resolved = true;
            resolve();
          }
        }
      })().catch((error: unknown) => (controller.signal.aborted ? resolve() : reject(error)));
    });
  })();
  return {
    connected,
    events: () =>
      [...text.matchAll(/^data: (\{.*\})$/gm)]
        .map((match) => JSON.parse(match[1] as string) as { type?: string; data?: Record<string, unknown> })
        .filter((event) => event.type !== undefined),
    close: () => controller.abort(),
  };
}

async function recordedCalls(tenantId: number): Promise<number> {
  const [row] = await database.db.inTenant(tenantId, (em) =>
    em.execute<{ calls: string | null }[]>(
      `select sum(quantity) as calls from tenant_usage_records where tenant_id = ? and metric = 'api_calls'`,
      [tenantId],
    ),
  );
  return Number(row?.calls ?? 0);
}

describe('two api and two worker processes on one PostgreSQL and Redis', () => {
  it(
    'counts calls spread over both apis exactly, flushed by scheduled ticks on either worker',
    async () => {
      const t = await createTenantWithMembers(database.db, 'Counted Co');
      const token = await sessionOf(t, 'member');
      // Batches and singles, over both apis at once, while both workers take flush ticks every second.
      const plan = [
        ...Array.from({ length: 12 }, (_, i) => ({ api: apis[i % 2] as AppProcess, batch: 1 + (i % 3) })),
        ...Array.from({ length: 5 }, (_, i) => ({ api: apis[(i + 1) % 2] as AppProcess, batch: 3 })),
      ];
      const sent = plan.reduce((sum, { batch }) => sum + batch, 0);
      const answers = await Promise.all(
        plan.map(({ api, batch }) => {
          const names = Array.from({ length: batch }, () => 'events.recent').join(',');
          const input = encodeURIComponent(
            JSON.stringify(Object.fromEntries(Array.from({ length: batch }, (_, i) => [i, {}]))),
          );
          return fetch(`${api.url}/trpc/${names}?batch=1&input=${input}`, {
            headers: { authorization: `Bearer ${token}` },
          });
        }),
      );
      expect(answers.map((answer) => answer.status)).toEqual(plan.map(() => 200));
      let recorded = 0;
      await phase(
        'the scheduled flushes to record every call',
        BUDGET_MS.flush,
        () =>
          eventually(
            async () => {
              recorded = await recordedCalls(t.tenantId);
              return recorded >= sent ? true : undefined;
            },
            { what: 'the calls to be flushed', timeoutMs: BUDGET_MS.flush },
          ),
        { processes: workers, progress: () => `${recorded} of ${sent} recorded` },
      );
      // Two more ticks at least, and the count stays: nothing is flushed twice by the other worker.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(await recordedCalls(t.tenantId)).toBe(sent);
    },
    BUDGET_MS.flush + 10_000,
  );

  it(
    'delivers an event published through either api to subscribers on both',
    async () => {
      const t = await createTenantWithMembers(database.db, 'Broadcast Co', 'enterprise');
      const token = await sessionOf(t, 'admin');
      const feeds = apis.map((api) => subscribe(api, token));
      await phase(
        'both subscriptions to connect',
        BUDGET_MS.delivery,
        () => Promise.all(feeds.map((feed) => feed.connected)),
        {
          processes: apis,
        },
      );
      const invited: string[] = [];
      for (const [i, api] of apis.entries()) {
        const created = await call(api, token, 'invitations.create', { email: `via-api-${i + 1}@scale.test` });
        expect(created.status).toBe(200);
        invited.push((created.body.result as { data: { id: string } }).data.id);
      }
      const createdOn = (feed: ReturnType<typeof subscribe>) =>
        feed
          .events()
          .filter((event) => event.type === 'invitation.changed' && event.data?.change === 'created')
          .map((event) => event.data?.invitationId);
      await phase(
        'each invitation event on both apis',
        BUDGET_MS.delivery,
        () =>
          eventually(async () => (feeds.every((feed) => createdOn(feed).length >= invited.length) ? true : undefined), {
            what: 'the events on both subscriptions',
            timeoutMs: BUDGET_MS.delivery,
          }),
        {
          processes: apis,
          progress: () => feeds.map((feed, i) => `api-${i + 1} saw ${createdOn(feed).length}`).join(', '),
        },
      );
      for (const feed of feeds) {
        feed.close();
        expect(createdOn(feed).sort()).toEqual([...invited].sort());
      }
    },
    2 * BUDGET_MS.delivery + 10_000,
  );

  it(
    'drops cached tenant facts on both apis when either changes them',
    async () => {
      const t = await createTenantWithMembers(database.db, 'Cached Co', 'enterprise');
      const operators = await createTenantWithMembers(database.db, 'Platform Co', 'enterprise');
      const admin = await sessionOf(t, 'admin');
      const operator = await sessionOf(operators, 'admin', true);
      const auditOn = async (api: AppProcess) => (await call(api, admin, 'audit.list', {}, 'GET')).status;
      // Both apis have the facts cached (audit logs on), for up to a minute unless told otherwise.
      expect(await Promise.all(apis.map(auditOn))).toEqual([200, 200]);

      const override = (api: AppProcess, enabled: boolean | null) =>
        call(api, operator, 'features.setOverride', {
          tenantId: t.tenantUuid,
          feature: 'audit_logs',
          enabled,
          reason: 'scale-out test',
        });
      // Well below the cache's one-minute age: only the invalidation can explain the change.
      const untilBoth = (status: number, what: string) =>
        phase(what, BUDGET_MS.delivery, () =>
          eventually(
            async () => ((await Promise.all(apis.map(auditOn))).every((s) => s === status) ? true : undefined),
            {
              what,
              timeoutMs: BUDGET_MS.delivery,
            },
          ),
        );
      expect((await override(apis[0], false)).status).toBe(200);
      await untilBoth(403, 'both apis to refuse the feature switched off through api-1');
      const refusal = await call(apis[1], admin, 'audit.list', {}, 'GET');
      expect(refusal.body.error?.data).toMatchObject({
        details: { reason: 'feature_not_available', feature: 'audit_logs' },
      });

      expect((await override(apis[1], null)).status).toBe(200);
      await untilBoth(200, 'both apis to allow the feature restored through api-2');
    },
    2 * BUDGET_MS.delivery + 10_000,
  );

  it('runs each scheduled tick once, whichever worker takes it', async () => {
    const elapsedSeconds = (Date.now() - startedAt) / 1000;
    const ticks = (await jobs.queue('usage').getJobs(['completed', 'active', 'failed'])).filter(
      (job) => job.name === 'usage.flush',
    );
    // A tick's job id is `repeat:<scheduler>:<scheduled ms>`: one job per scheduled time, not one per worker.
    const tickTimes = ticks.map((job) => Number(String(job.id).split(':').pop())).sort((a, b) => a - b);
    expect(new Set(ticks.map((job) => job.id)).size).toBe(ticks.length);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks.length).toBeLessThanOrEqual(Math.ceil(elapsedSeconds) + 1);
    for (const [i, time] of tickTimes.slice(1).entries()) expect((time - (tickTimes[i] as number)) % 1_000).toBe(0);
    expect(new Set(tickTimes).size).toBe(tickTimes.length);
    expect(ticks.every((job) => job.failedReason === undefined && job.attemptsMade <= 1)).toBe(true);
    expect((await jobs.queue('usage').getJobSchedulers()).filter((s) => s.key === 'usage.flush')).toHaveLength(1);
  });

  // Last: it leaves one worker.
  it(
    'hands a job of a worker killed mid-job to the other worker: 0 lost, 0 doubled',
    async () => {
      const t = await createTenantWithMembers(database.db, 'Taken Over Co');
      smtp.current.hold();
      await jobs.enqueue(
        'email.send',
        {
          tenantId: t.tenantId,
          to: 'taken-over@scale.test',
          dedupeKey: 'scale-out:taken-over',
          template: 'offboarding',
          data: { tenantName: 'Taken Over Co', message: 'Bye.' },
        },
        { jobId: 'taken-over' },
      );
      // One worker has claimed the email and is in the SMTP dialogue when it dies.
      await smtp.current.waitFor(() => smtp.current.heldSenders > 0, BUDGET_MS.claim);
      const claimedBy = (await jobs.queue('emails').getJob('taken-over'))?.processedBy ?? '';
      const doomed = workers.find((worker) => claimedBy.endsWith(`:${worker.child.pid}`));
      const survivor = workers.find((worker) => worker !== doomed);
      expect(doomed, `claimed by ${claimedBy}`).toBeDefined();
      doomed?.child.kill('SIGKILL');
      await phase('the killed worker to exit', BUDGET_MS.exit, async () => doomed?.exited);
      const killedAt = Date.now();
      smtp.current.release();

      await eventually(
        async () =>
          (await (await jobs.queue('emails').getJob('taken-over'))?.getState()) === 'completed' ? true : undefined,
        { what: 'the other worker to complete the job', timeoutMs: BUDGET_MS.takeOver },
      );
      const takeOverSeconds = (Date.now() - killedAt) / 1000;
      const job = await jobs.queue('emails').getJob('taken-over');
      expect(job?.processedBy).toContain(`:${survivor?.child.pid}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(smtp.current.to('taken-over@scale.test')).toHaveLength(1);
      console.info(
        `worker killed mid-job: taken over by the other in ${takeOverSeconds.toFixed(1)} s; 0 lost, 0 doubled`,
      );
    },
    BUDGET_MS.claim + BUDGET_MS.exit + BUDGET_MS.takeOver + 10_000,
  );
});
