import { JobQueues } from '@digame/core/jobs';
import { connectRedis } from '@digame/core/redis';
import { createTenantWithMembers, testServices, useSmtpReceiver, useTestDatabase } from '@digame/core/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess, eventually, phase, randomPrefix, startProcess, workerEnv } from './testing/processes.js';

/**
 * Each phase's own bound, so a hang names its phase; a test's timeout is the sum of its phases.
 * Generous for a CI machine running the whole suite on 2 cores: the bounds catch hangs, not slowness.
 */
const BUDGET_MS = { start: 25_000, claim: 15_000, exit: 10_000, takeOver: 30_000, settle: 1_000 };
const budget = (...phases: (keyof typeof BUDGET_MS)[]) => phases.reduce((sum, name) => sum + BUDGET_MS[name], 5_000);

const database = useTestDatabase();
const smtp = useSmtpReceiver();
const started: AppProcess[] = [];
let redis: Redis;

beforeAll(async () => {
  redis = await connectRedis(testServices().redisUrl, 'resilience-test');
});

afterAll(async () => {
  smtp.current.release();
  await Promise.all(started.map((app) => app.stop('SIGKILL')));
  await redis.quit();
});

async function worker(prefix: string, extra: Record<string, string> = {}): Promise<AppProcess> {
  const app = await startProcess(
    'worker',
    workerEnv({ databaseUrl: database.appUrl, prefix, smtpUrl: smtp.current.url, extra }),
    { timeoutMs: BUDGET_MS.start },
  );
  started.push(app);
  return app;
}

async function stateOf(jobs: JobQueues, id: string): Promise<string | undefined> {
  return (await jobs.queue('emails').getJob(id))?.getState();
}

async function emailJob(jobs: JobQueues, tenantId: number, to: string, jobId: string): Promise<void> {
  await jobs.enqueue(
    'email.send',
    {
      tenantId,
      to,
      dedupeKey: `resilience:${jobId}`,
      template: 'offboarding',
      data: { tenantName: 'Resilient Co', message: 'Bye.' },
    },
    { jobId },
  );
}

describe('a worker shut down mid-job', () => {
  it('on SIGTERM with a hung job exits within the grace and hands the job to another worker', {
    timeout: budget('start', 'claim', 'exit', 'start', 'takeOver'),
  }, async () => {
    const prefix = randomPrefix('hung');
    const jobs = new JobQueues(redis, prefix);
    const t = await createTenantWithMembers(database.db, 'Hung Co');
    const leaving = await worker(prefix, { WORKER_SHUTDOWN_GRACE_SECONDS: '2' });
    smtp.current.hold();
    await emailJob(jobs, t.tenantId, 'hung@example.com', 'hung-job');
    await smtp.current.waitFor(() => smtp.current.heldSenders > 0, BUDGET_MS.claim);
    const signalled = Date.now();
    leaving.child.kill('SIGTERM');
    const exitCode = await phase('exit within the 2 s grace', BUDGET_MS.exit, () => leaving.exited, {
      processes: [leaving],
    });
    expect(exitCode).toBe(0);
    const shutdownSeconds = (Date.now() - signalled) / 1000;
    // Handed back, not left to its lock: waiting for the next worker rather than active or stalled.
    expect(await stateOf(jobs, 'hung-job')).toBe('waiting');

    const successor = await worker(prefix);
    smtp.current.release();
    await eventually(async () => ((await stateOf(jobs, 'hung-job')) === 'completed' ? true : undefined), {
      what: 'the successor to complete the job',
      timeoutMs: BUDGET_MS.takeOver,
    });
    const job = await jobs.queue('emails').getJob('hung-job');
    expect(job?.processedBy).toContain(`:${successor.child.pid}`);
    expect(smtp.current.to('hung@example.com')).toHaveLength(1);
    console.info(
      `hung job: worker exited ${shutdownSeconds.toFixed(1)} s after SIGTERM with a 2 s grace; 0 lost, 0 doubled`,
    );
    await jobs.close();
  });

  it('on SIGTERM finishes its in-flight job before exiting', {
    timeout: budget('start', 'claim', 'exit'),
  }, async () => {
    const prefix = randomPrefix('graceful');
    const jobs = new JobQueues(redis, prefix);
    const t = await createTenantWithMembers(database.db, 'Graceful Co');
    const leaving = await worker(prefix);
    smtp.current.hold();
    await emailJob(jobs, t.tenantId, 'graceful@example.com', 'in-flight');
    await smtp.current.waitFor(() => smtp.current.heldSenders > 0, BUDGET_MS.claim);
    leaving.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(leaving.child.exitCode).toBeNull(); // still finishing
    smtp.current.release();
    const exitCode = await phase('exit after the in-flight job', BUDGET_MS.exit, () => leaving.exited, {
      processes: [leaving],
    });
    expect(exitCode).toBe(0);
    expect(await stateOf(jobs, 'in-flight')).toBe('completed');
    expect(smtp.current.to('graceful@example.com')).toHaveLength(1);
    await jobs.close();
  });
});
