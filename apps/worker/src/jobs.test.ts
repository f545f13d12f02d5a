import { createTenantWithMembers, useSmtpReceiver, useTestDatabase } from '@digame/core/testing';
import { describe, expect, it } from 'vitest';
import { useInProcessWorker } from './testing/in-process.js';
import { eventually, randomPrefix } from './testing/processes.js';

const database = useTestDatabase();
const smtp = useSmtpReceiver();
const prefix = randomPrefix('jobs');
const worker = useInProcessWorker(() => ({ databaseUrl: database.appUrl, prefix, smtpUrl: smtp.current.url }));

async function finalState(queue: 'emails' | 'usage' | 'lifecycle', id: string) {
  const jobs = worker.current.deps.jobs;
  return eventually(
    async () => {
      const state = await (await jobs.queue(queue).getJob(id))?.getState();
      // Read the job again once it has finished: a copy read before would miss its final fields.
      return state === 'completed' || state === 'failed'
        ? { state, job: await jobs.queue(queue).getJob(id) }
        : undefined;
    },
    { what: `job ${id} to finish` },
  );
}

describe('job registry and worker', () => {
  it('runs an enqueued email job: the mail arrives over SMTP', async () => {
    const { tenantId } = await createTenantWithMembers(database.db, 'Queue Co');
    await worker.current.deps.jobs.enqueue(
      'email.send',
      {
        tenantId,
        to: 'queued@example.com',
        dedupeKey: 'offboarding:1',
        template: 'offboarding',
        data: { tenantName: 'Queue Co', message: 'Your access to Queue Co ends on Friday.' },
      },
      { jobId: 'offboarding-1' },
    );
    const { state } = await finalState('emails', 'offboarding-1');
    expect(state).toBe('completed');
    expect(smtp.current.to('queued@example.com')[0]?.text).toContain('Your access to Queue Co ends on Friday.');
  });

  it('fails an invalid payload at once, without retries, and keeps the reason', async () => {
    await worker.current.deps.jobs
      .queue('emails')
      .add('email.send', { tenantId: 1, to: 'not-an-address' }, { jobId: 'bad-payload', attempts: 5 });
    const { state, job } = await finalState('emails', 'bad-payload');
    expect(state).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toMatch(/^invalid payload: /);
  });

  it('fails a job for an unknown tenant at once: the tenant is checked against the database', async () => {
    await worker.current.deps.jobs.enqueue('health.score', { tenantId: 999_999 }, { jobId: 'ghost-tenant' });
    const { state, job } = await finalState('lifecycle', 'ghost-tenant');
    expect(state).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toBe('unknown tenant');
  });

  it('fails an unknown job name at once', async () => {
    await worker.current.deps.jobs.queue('usage').add('usage.nonexistent', {}, { jobId: 'unknown-name', attempts: 3 });
    const { state, job } = await finalState('usage', 'unknown-name');
    expect(state).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toBe('unknown job name "usage.nonexistent"');
  });

  it('counts job durations and failures in /metrics', async () => {
    const text = await worker.current.metrics.registry.metrics();
    expect(text).toMatch(
      /digame_job_duration_seconds_count\{queue="emails",job="email.send",outcome="completed"\} [1-9]/,
    );
    expect(text).toMatch(/digame_job_failures_total\{queue="lifecycle",job="health.score",permanent="true"\} 1/);
    expect(text).toMatch(/digame_queue_jobs\{queue="emails",state="failed"\} 1/);
  });
});
