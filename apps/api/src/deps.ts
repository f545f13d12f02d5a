import { AccessTokens } from '@digame/core/auth';
import { Database } from '@digame/core/db';
import { EventPublisher } from '@digame/core/events';
import { verifyDatabase } from '@digame/core/health';
import { JobQueues } from '@digame/core/jobs';
import { createLogger } from '@digame/core/logging';
import { connectRedis } from '@digame/core/redis';
import { RequestGate } from '@digame/core/request';
import { TenantDirectory } from '@digame/core/tenants';
import type { ApiConfig } from './config.js';
import type { ApiDeps } from './trpc/context.js';

/** Builds every long-lived dependency of an api process; close() releases them in reverse. */
export async function createApiDeps(config: ApiConfig): Promise<ApiDeps & { close(): Promise<void> }> {
  const logger = createLogger('api', config.LOG_LEVEL);
  const db = await Database.connect({ url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX });
  db.onEffectError = (error) => logger.error({ err: error }, 'after-commit effect failed');
  try {
    await verifyDatabase(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  const redis = await connectRedis(config.REDIS_URL, 'api');
  const subscriber = redis.duplicate({ connectionName: 'api-subscriber' });
  const prefix = config.REDIS_PREFIX;
  const tenants = new TenantDirectory(db, redis, prefix);
  await tenants.listen(subscriber);
  const jobs = new JobQueues(redis, prefix);
  const events = new EventPublisher(redis, prefix);

  return {
    config,
    logger,
    db,
    redis,
    tenants,
    jobs,
    events,
    tokens: new AccessTokens(config.JWT_SECRET, config.ACCESS_TOKEN_TTL_SECONDS),
    gate: new RequestGate(redis, prefix),
    services: { jobs, events, tenants, appUrl: config.APP_URL },
    async close() {
      await jobs.close();
      subscriber.disconnect();
      await Promise.allSettled([db.close(), redis.quit()]);
    },
  };
}
