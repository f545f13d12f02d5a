import { hostname } from 'node:os';
import { CredentialStore } from '@digame/core/auth';
import { openDatabase } from '@digame/core/db';
import { EventPublisher } from '@digame/core/events';
import { createObjectStore } from '@digame/core/files';
import { JobQueues, QUEUES } from '@digame/core/jobs';
import { createLogger } from '@digame/core/logging';
import { Mailer } from '@digame/core/mail';
import { connectRedis } from '@digame/core/redis';
import { TenantDirectory } from '@digame/core/tenants';
import { type Job, Worker } from 'bullmq';
import type { WorkerConfig } from './config.js';
import type { WorkerDeps } from './handlers.js';
import { WorkerMetrics } from './metrics.js';
import { createProcessor } from './processor.js';
import { scheduleIntervalsMs, upsertSchedulers } from './schedules.js';

export interface RunningWorker {
  deps: WorkerDeps;
  metrics: WorkerMetrics;
  /**
   * Stops taking jobs and lets in-flight ones finish within the grace period; those still running
   * then are moved back to the head of their queue, so another worker takes them over at once.
   * Resolves within the grace plus a few seconds, whatever the jobs do.
   */
  close(): Promise<void>;
}

/** Time allowed for releasing connections once jobs are done or handed back. */
const CLEANUP_MS = 3_000;

/** Resolves with the work's result, or false once `ms` have passed. */
async function within(ms: number, work: Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Connects everything a worker process needs, starts one BullMQ worker per queue and the schedulers. */
export async function startWorker(config: WorkerConfig): Promise<RunningWorker> {
  const logger = createLogger('worker', config.LOG_LEVEL);
  const db = await openDatabase(
    { url: config.DATABASE_URL, globalUrl: config.DATABASE_GLOBAL_URL, poolMax: config.DATABASE_POOL_MAX },
    logger,
  );
  const redis = await connectRedis(config.REDIS_URL, 'worker');
  const prefix = config.REDIS_PREFIX;
  const jobs = new JobQueues(redis, prefix);
  const events = new EventPublisher(redis, prefix);
  const mailer = new Mailer(config.SMTP_URL, config.MAIL_FROM);
  const files = await createObjectStore(config);
  const services = {
    jobs,
    events,
    tenants: new TenantDirectory(db, redis, prefix),
    appUrl: config.APP_URL,
    credentials: new CredentialStore(redis, prefix),
    files,
  };
  const deps: WorkerDeps = { db, redis, prefix, jobs, mailer, services, logger };
  const metrics = new WorkerMetrics((name) => jobs.queue(name));
  const runJob = createProcessor(deps, metrics);
  // Jobs running now, with the lock tokens that let this process hand them back at shutdown.
  const inFlight = new Map<string, { job: Job; token: string }>();
  const processor = async (job: Job, token?: string) => {
    const key = `${job.queueName}:${job.id}`;
    if (token) inFlight.set(key, { job, token });
    try {
      return await runJob(job);
    } finally {
      inFlight.delete(key);
    }
  };

  const lockDuration = config.WORKER_LOCK_SECONDS * 1000;
  const workers = QUEUES.map((queue) => {
    const worker = new Worker(queue, processor, {
      // Stored on each job it runs (processedBy), so operators see which process ran what.
      name: `${hostname()}:${process.pid}`,
      // Workers block on Redis; BullMQ requires commands on that connection never to give up retrying.
      connection: redis.duplicate({
        connectionName: `worker-${queue}`,
        maxRetriesPerRequest: null,
        enableOfflineQueue: true,
      }),
      prefix,
      concurrency: config.WORKER_CONCURRENCY,
      lockDuration,
      stalledInterval: lockDuration,
      maxStalledCount: 2,
    });
    worker.on('error', (error) => logger.error({ err: error, queue }, 'worker error'));
    return worker;
  });
  await upsertSchedulers(jobs, scheduleIntervalsMs(config));
  logger.info({ queues: QUEUES, concurrency: config.WORKER_CONCURRENCY }, 'worker started');

  let closing: Promise<void> | null = null;
  return {
    deps,
    metrics,
    close() {
      closing ??= (async () => {
        const graceMs = config.WORKER_SHUTDOWN_GRACE_SECONDS * 1000;
        const finished = await within(
          graceMs,
          Promise.all(workers.map((worker) => worker.close())).then(() => true),
        );
        if (!finished) {
          // BullMQ cannot force a close while a job hangs (a second close() returns the pending one):
          // the jobs go back to the head of their queue, so another worker starts them at once, and
          // this process ends without waiting for them (the caller exits).
          const handedBack = [...inFlight.values()];
          logger.warn(
            { graceMs, jobs: handedBack.map(({ job }) => `${job.queueName}:${job.id}`) },
            'jobs still running at the end of the grace period; handed back to the queue',
          );
          await Promise.allSettled(handedBack.map(({ job, token }) => job.moveToWait(token)));
        }
        // Releasing connections must not hold shutdown either: a hung job may still hold one.
        await within(
          CLEANUP_MS,
          (async () => {
            await Promise.allSettled(workers.map((worker) => worker.disconnect()));
            await jobs.close();
            await events.close();
            mailer.close();
            files.close?.();
            await Promise.allSettled([db.close(), redis.quit()]);
            return true;
          })(),
        );
      })();
      return closing;
    },
  };
}
