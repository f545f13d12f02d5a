import { startOrExit } from '@digame/core/config';
import { Database } from '@digame/core/db';
import { verifyDatabase } from '@digame/core/health';
import { createLogger } from '@digame/core/logging';
import { connectRedis } from '@digame/core/redis';
import { serve } from '@hono/node-server';
import { loadWorkerConfig } from './config.js';
import { createHealthApp } from './health-server.js';

await startOrExit('worker', async () => {
  const config = loadWorkerConfig();
  const logger = createLogger('worker', config.LOG_LEVEL);
  const db = await Database.connect({ url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX });
  try {
    await verifyDatabase(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  const redis = await connectRedis(config.REDIS_URL, 'worker');

  const server = serve({ fetch: createHealthApp({ db, redis }).fetch, port: config.WORKER_PORT }, (info) => {
    logger.info({ port: info.port }, `worker health on http://localhost:${info.port}/healthz`);
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    const detail = error.code === 'EADDRINUSE' ? `port ${config.WORKER_PORT} is already in use` : error.message;
    process.stderr.write(`worker: configuration error: WORKER_PORT: ${detail}\n`);
    process.exit(1);
  });

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close(async () => {
      await Promise.allSettled([db.close(), redis.quit()]);
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
});
