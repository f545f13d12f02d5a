import { JOBS, PermanentJobError } from '@digame/core/jobs';
import { type Job, UnrecoverableError } from 'bullmq';
import { HANDLERS, isJobName, type JobHandler, type WorkerDeps } from './handlers.js';
import type { WorkerMetrics } from './metrics.js';
import { catchUpAfterOutage } from './schedules.js';

/**
 * Runs one job: validates its name and payload against the registry, then its handler. Whatever
 * retrying cannot fix — an unknown name, an invalid payload, a PermanentJobError such as an unknown
 * tenant — becomes UnrecoverableError, so BullMQ fails the job at once instead of retrying it.
 */
export function createProcessor(deps: WorkerDeps, metrics: WorkerMetrics) {
  return async (job: Job): Promise<unknown> => {
    const started = performance.now();
    let failure: { permanent: boolean } | null = null;
    try {
      if (!isJobName(job.name)) throw new UnrecoverableError(`unknown job name "${job.name}"`);
      const parsed = JOBS[job.name].payload.safeParse(job.data);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new UnrecoverableError(`invalid payload: ${issue?.path.join('.') || '(payload)'}: ${issue?.message}`);
      }
      const handler = HANDLERS[job.name] as JobHandler<typeof job.name>;
      return await handler(parsed.data as never, job, deps);
    } catch (error) {
      const permanent = error instanceof UnrecoverableError || error instanceof PermanentJobError;
      failure = { permanent };
      deps.logger.warn(
        { err: error, jobId: job.id, job: job.name, attempt: job.attemptsStarted, permanent },
        'job failed',
      );
      if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message);
      // Queueing the catch-up may itself meet the outage (Redis down): the tick is lost to it then,
      // as BullMQ could not have recorded its failure either.
      await catchUpAfterOutage(deps.jobs, job, error).catch((queueing: unknown) =>
        deps.logger.warn({ err: queueing, job: job.name }, 'queueing a catch-up run failed'),
      );
      throw error;
    } finally {
      metrics.observe(job.queueName, job.name, (performance.now() - started) / 1000, failure);
    }
  };
}
