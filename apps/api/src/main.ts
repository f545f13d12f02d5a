import { startOrExit } from '@digame/core/config';
import { Database } from '@digame/core/db';
import { verifyDatabase } from '@digame/core/health';
import { createLogger } from '@digame/core/logging';
import { connectRedis } from '@digame/core/redis';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { loadApiConfig } from './config.js';

await startOrExit('api', async () => {
  const config = loadApiConfig();
  const logger = createLogger('api', config.LOG_LEVEL);
  const db = await Database.connect({ url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX });
  try {
    await verifyDatabase(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  const redis = await connectRedis(config.REDIS_URL, 'api');

  const app = createApp({ db, redis, logger });
  const server = serve({ fetch: app.fetch, port: config.PORT }, (info) => {
    logger.info({ port: info.port }, `api listening on http://localhost:${info.port}`);
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    const detail = error.code === 'EADDRINUSE' ? `port ${config.PORT} is already in use` : error.message;
    process.stderr.write(`api: configuration error: PORT: ${detail}\n`);
    process.exit(1);
  });

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close(async () => {
      await Promise.allSettled([db.close(), redis.quit()]);
      process.exit(0);
    });
    // Open keep-alive and streaming connections must not hold the process forever.
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
});
