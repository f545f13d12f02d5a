import { startOrExit } from '@digame/core/config';
import { serve } from '@hono/node-server';
import { loadWorkerConfig } from './config.js';
import { createHealthApp } from './health-server.js';
import { startWorker } from './runtime.js';

await startOrExit('worker', async () => {
  const config = loadWorkerConfig();
  const worker = await startWorker(config);
  const { db, redis, logger } = worker.deps;

  const server = serve(
    {
      fetch: createHealthApp({ db, redis, metrics: worker.metrics.registry, metricsToken: config.METRICS_TOKEN }).fetch,
      port: config.WORKER_PORT,
    },
    (info) => logger.info({ port: info.port }, `worker health on http://localhost:${info.port}/healthz`),
  );
  server.on('error', (error: NodeJS.ErrnoException) => {
    const detail = error.code === 'EADDRINUSE' ? `port ${config.WORKER_PORT} is already in use` : error.message;
    process.stderr.write(`worker: configuration error: WORKER_PORT: ${detail}\n`);
    process.exit(1);
  });

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down: finishing in-flight jobs');
    server.close();
    worker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
});
