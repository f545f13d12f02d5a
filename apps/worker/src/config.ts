import { coreEnvSchema, mailEnvSchema, parseEnv, portSchema } from '@digame/core/config';
import { fileStorageEnvSchema } from '@digame/core/files';
import { metricsEnvSchema } from '@digame/core/health';
import { z } from 'zod';

const seconds = (fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .default(fallback);
const interval = z.coerce
  .number()
  .int()
  .min(1)
  .max(7 * 24 * 3600)
  .optional();

export const workerEnvSchema = coreEnvSchema
  .extend(mailEnvSchema.shape)
  .extend(fileStorageEnvSchema.shape)
  .extend(metricsEnvSchema.shape)
  .extend({
    /** Port of the worker's own /healthz and /metrics; it serves nothing else. */
    WORKER_PORT: portSchema.default(3001),
    /** Public URL of the dashboard: links in emails point here. */
    APP_URL: z.string().url('must be a URL such as https://tenancy.example.com').default('http://localhost:5173'),
    /** Jobs one worker process runs at once, per queue. */
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
    /**
     * How long a job's lock lives without renewal. A killed worker's jobs are taken over by another
     * worker within about twice this (lock expiry, then the next stalled-job check).
     */
    WORKER_LOCK_SECONDS: seconds(30),
    /** On SIGTERM, in-flight jobs get this long to finish before they are handed back to the queue. */
    WORKER_SHUTDOWN_GRACE_SECONDS: seconds(25),
    /** Intervals of the scheduled jobs; unset = the defaults of SCHEDULES in @digame/core/jobs. */
    OUTBOX_SWEEP_EVERY_SECONDS: interval,
    USAGE_FLUSH_EVERY_SECONDS: interval,
    PERFORMANCE_FLUSH_EVERY_SECONDS: interval,
    USAGE_MEASURE_EVERY_SECONDS: interval,
    TRIALS_SCAN_EVERY_SECONDS: interval,
    HEALTH_SCORE_EVERY_SECONDS: interval,
    BILLING_CYCLE_EVERY_SECONDS: interval,
    AUDIT_PRUNE_EVERY_SECONDS: interval,
    REPORT_EMAILS_EVERY_SECONDS: interval,
    OFFBOARDING_SCAN_EVERY_SECONDS: interval,
  });

export type WorkerConfig = z.infer<typeof workerEnvSchema>;

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return parseEnv(workerEnvSchema, env);
}
