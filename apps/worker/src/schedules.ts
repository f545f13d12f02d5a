import { unreachableDependency } from '@digame/core/errors';
import { JOBS, type JobQueues, SCHEDULES, type ScheduledJobName } from '@digame/core/jobs';
import type { Job } from 'bullmq';
import type { WorkerConfig } from './config.js';

/** Interval of each scheduled job: the configured override, else the registry's default. */
export function scheduleIntervalsMs(config: WorkerConfig): Record<ScheduledJobName, number> {
  const overrides: Record<ScheduledJobName, number | undefined> = {
    'outbox.sweep': config.OUTBOX_SWEEP_EVERY_SECONDS,
    'usage.flush': config.USAGE_FLUSH_EVERY_SECONDS,
    'performance.flush': config.PERFORMANCE_FLUSH_EVERY_SECONDS,
    'usage.measure_all': config.USAGE_MEASURE_EVERY_SECONDS,
    'trials.scan': config.TRIALS_SCAN_EVERY_SECONDS,
    'health.score_all': config.HEALTH_SCORE_EVERY_SECONDS,
    'billing.cycle_all': config.BILLING_CYCLE_EVERY_SECONDS,
    'audit.prune_all': config.AUDIT_PRUNE_EVERY_SECONDS,
    'reports.email_scan': config.REPORT_EMAILS_EVERY_SECONDS,
    'offboarding.scan': config.OFFBOARDING_SCAN_EVERY_SECONDS,
  };
  const intervals = {} as Record<ScheduledJobName, number>;
  for (const name of Object.keys(SCHEDULES) as ScheduledJobName[]) {
    const seconds = overrides[name];
    intervals[name] = seconds === undefined ? SCHEDULES[name].everyMs : seconds * 1000;
  }
  return intervals;
}

/**
 * Registers every periodic job as a BullMQ job scheduler. Each worker process does this at start;
 * an upsert with the same scheduler id replaces rather than adds, and each tick is a single job, so
 * however many workers run, a tick runs once.
 */
export async function upsertSchedulers(jobs: JobQueues, intervals: Record<ScheduledJobName, number>): Promise<void> {
  for (const [name, every] of Object.entries(intervals) as [ScheduledJobName, number][]) {
    const { queue, options } = JOBS[name];
    await jobs.queue(queue).upsertJobScheduler(name, { every }, { name, data: {}, opts: options });
  }
}

/** The one catch-up run of a schedule: its id is fixed, so however many ticks fail, one is pending. */
export const catchUpJobId = (name: ScheduledJobName) => `catchup_${name}`;
/** When a catch-up first runs, and how often it tries again while the outage lasts (an hour in all). */
const CATCH_UP_FIRST_MS = 5_000;
const CATCH_UP_RETRY_MS = 30_000;
const CATCH_UP_ATTEMPTS = 120;

const needsCatchUp = (name: string): name is ScheduledJobName =>
  (SCHEDULES as Record<string, { catchUp?: boolean }>)[name]?.catchUp === true;

/**
 * After a scheduled tick's last attempt failed because PostgreSQL or Redis was unreachable, queues
 * one catch-up run of the same job that retries until the outage is over. A tick missed that way
 * then runs once soon after recovery instead of a whole interval later; ticks that fail meanwhile
 * add nothing (the catch-up's id is taken), and a completed catch-up frees the id for the next outage.
 */
export async function catchUpAfterOutage(jobs: JobQueues, job: Job, error: unknown): Promise<boolean> {
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const tick = String(job.id).startsWith('repeat:');
  if (!tick || !lastAttempt || !needsCatchUp(job.name) || !unreachableDependency(error)) return false;
  await jobs.queue(JOBS[job.name].queue).add(
    job.name,
    {},
    {
      jobId: catchUpJobId(job.name),
      delay: CATCH_UP_FIRST_MS,
      attempts: CATCH_UP_ATTEMPTS,
      backoff: { type: 'fixed', delay: CATCH_UP_RETRY_MS },
      removeOnComplete: true,
      removeOnFail: true,
    },
  );
  return true;
}
