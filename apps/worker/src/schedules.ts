import { JOBS, type JobQueues, SCHEDULES, type ScheduledJobName } from '@digame/core/jobs';
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
