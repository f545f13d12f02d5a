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
import { Worker } from 'bullmq';
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
   * then are abandoned unfinished, so their locks lapse and another worker takes them over.
   */
  close(): Promise<void>;
}

/** Connects everything a worker process needs, starts one BullMQ worker per queue and the schedulers. */
export async function startWorker(config: WorkerConfig): Promise<RunningWorker> {
  const logger = createLogger('worker', config.LOG_LEVEL);
  const db = await openDatabase({ url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX }, logger);
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
  const processor = createProcessor(deps, metrics);

  const lockDuration = config.WORKER_LOCK_SECONDS * 1000;
  const workers = QUEUES.map((queue) => {
    const worker = new Worker(queue, processor, {
      // Stored on each job it runs (processedBy), so operators see which process ran what.
      name: `${hostname()}:${process.pid}`,
      // Workers block on Redis; BullMQ requires commands on that connection never to give up retrying.
      connection: redis.duplicate({ connectionName: `worker-${queue}`, maxRetriesPerRequest: null }),
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
        let timer: NodeJS.Timeout | undefined;
        const finished = await Promise.race([
          Promise.all(workers.map((worker) => worker.close())).then(() => true),
          new Promise<false>((resolve) => {
            timer = setTimeout(() => resolve(false), graceMs);
          }),
        ]);
        clearTimeout(timer);
        if (!finished) {
          logger.warn({ graceMs }, 'jobs still running at the end of the grace period; handing them back');
          await Promise.all(workers.map((worker) => worker.close(true)));
        }
        await Promise.all(workers.map((worker) => worker.disconnect()));
        await jobs.close();
        await events.close();
        mailer.close();
        files.close?.();
        await Promise.allSettled([db.close(), redis.quit()]);
      })();
      return closing;
    },
  };
}
