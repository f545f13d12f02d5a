import { tenantStreamKey } from '@digame/core/events';
import { JobQueues } from '@digame/core/jobs';
import { connectRedis } from '@digame/core/redis';
import { apiCallCounterKey, hourStart } from '@digame/core/request';
import { createTenantWithMembers, testServices, useSmtpReceiver, useTestDatabase } from '@digame/core/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess, eventually, randomPrefix, startProcess, workerEnv } from './testing/processes.js';

const database = useTestDatabase();
const smtp = useSmtpReceiver();
const prefix = randomPrefix('alerts');
const workers: AppProcess[] = [];
let redis: Redis;
let jobs: JobQueues;

beforeAll(async () => {
  redis = await connectRedis(testServices().redisUrl, 'alerts-test');
  jobs = new JobQueues(redis, prefix);
  const env = workerEnv({ databaseUrl: database.appUrl, prefix, smtpUrl: smtp.current.url });
  workers.push(...(await Promise.all([startProcess('worker', env), startProcess('worker', env)])));
}, 90_000);

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
  await jobs.close();
  await redis.quit();
});

/** Several flushes at once, so both workers evaluate the same reading concurrently. */
async function flushConcurrently(tag: string, count = 6): Promise<void> {
  const ids = Array.from({ length: count }, (_, i) => `${tag}-${i}`);
  await Promise.all(ids.map((jobId) => jobs.enqueue('usage.flush', {}, { jobId })));
  await eventually(
    async () => {
      const states = await Promise.all(ids.map(async (id) => (await jobs.queue('usage').getJob(id))?.getState()));
      if (states.includes('failed')) throw new Error('a flush failed');
      return states.every((state) => state === 'completed') ? true : undefined;
    },
    { what: `flushes ${tag}` },
  );
}

describe('limit alerts with two workers', () => {
  // Flushes and two emails through worker processes: a budget of its own, not the 30 s default.
  it('raise the 80% and the 95% API-call alerts once each: one row, one email per admin, one live event', {
    timeout: 90_000,
  }, async () => {
    const t = await createTenantWithMembers(database.db, 'Alerted Co', 'basic');
    await database.db.inTenant(t.tenantId, (em) =>
      em.execute('update tenants set api_rate_limit = 20 where id = ?', [t.tenantId]),
    );
    const counter = apiCallCounterKey(prefix, t.tenantId, hourStart(Date.now()));
    const adminEmail = 'admin@alerted-co.test';

    await redis.incrby(counter, 15); // 75%: nothing yet
    await flushConcurrently('below');
    await redis.incrby(counter, 1); // 80%
    await flushConcurrently('at-80');
    await smtp.current.waitFor(() => smtp.current.to(adminEmail).length >= 1);
    await redis.incrby(counter, 3); // 95%
    await flushConcurrently('at-95');
    await smtp.current.waitFor(() => smtp.current.to(adminEmail).length >= 2);
    await flushConcurrently('after');
    // Give any duplicate email job time to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const alerts = await database.db.inTenant(t.tenantId, (em) =>
      em.execute<{ limit: string; threshold_percent: number; used: string; max: string }[]>(
        'select "limit", threshold_percent, used, max from tenant_limit_alerts order by threshold_percent',
      ),
    );
    expect(alerts).toEqual([
      { limit: 'api_calls', threshold_percent: 80, used: '16', max: '20' },
      { limit: 'api_calls', threshold_percent: 95, used: '19', max: '20' },
    ]);
    const mails = smtp.current.to(adminEmail).map((mail) => mail.subject);
    expect(mails.sort()).toEqual([
      'Alerted Co has used 80% of its API calls per hour',
      'Alerted Co has used 95% of its API calls per hour',
    ]);
    const stream = await redis.xrange(tenantStreamKey(prefix, t.tenantId), '-', '+');
    const raised = stream
      .map(([, fields]) => JSON.parse(fields[1] as string))
      .filter((event) => event.type === 'alert.raised')
      .map((event) => event.data.thresholdPercent);
    expect(raised).toEqual([80, 95]);
  });
});
