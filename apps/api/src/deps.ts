import {
  AccessTokens,
  ApiKeyUsage,
  CredentialStore,
  MfaChallenges,
  SecretBox,
  SignInThrottle,
} from '@digame/core/auth';
import { openDatabase } from '@digame/core/db';
import { EventPublisher } from '@digame/core/events';
import { createObjectStore } from '@digame/core/files';
import { JobQueues } from '@digame/core/jobs';
import { createLogger } from '@digame/core/logging';
import { ApiPerformanceRecorder } from '@digame/core/operator-analytics';
import { connectRedis } from '@digame/core/redis';
import { RequestGate } from '@digame/core/request';
import type { ServiceDeps } from '@digame/core/services';
import { SettingsKeyring } from '@digame/core/settings';
import { SelfServeSignups, TenantDirectory } from '@digame/core/tenants';
import { LiveApiCalls } from '@digame/core/usage';
import type { ApiConfig } from './config.js';
import type { ApiDeps } from './trpc/context.js';

/** How often each api process adds its per-tenant performance counts to Redis (one pipeline). */
const API_PERFORMANCE_FLUSH_MS = 5_000;

/** Builds every long-lived dependency of an api process; close() releases them in reverse. */
export async function createApiDeps(config: ApiConfig): Promise<ApiDeps & { close(): Promise<void> }> {
  const logger = createLogger('api', config.LOG_LEVEL);
  const db = await openDatabase(
    { url: config.DATABASE_URL, globalUrl: config.DATABASE_GLOBAL_URL, poolMax: config.DATABASE_POOL_MAX },
    logger,
  );
  const redis = await connectRedis(config.REDIS_URL, 'api');
  const subscriber = redis.duplicate({ connectionName: 'api-subscriber', enableOfflineQueue: true });
  // Every authenticated request sends the gate's one command; under load, many arrive in the same
  // tick, and auto-pipelining sends them to Redis in one socket write instead of one write each
  // (a write to a local socket was a fifth of an authenticated call's CPU). Its own connection:
  // the shared one also carries BullMQ's commands, which are left as they are.
  const gateRedis = redis.duplicate({ connectionName: 'api-gate', enableAutoPipelining: true });
  await gateRedis.connect();
  const prefix = config.REDIS_PREFIX;
  const tenants = new TenantDirectory(db, redis, prefix);
  await tenants.listen(subscriber);
  const jobs = new JobQueues(redis, prefix);
  const events = new EventPublisher(redis, prefix);
  const tokens = new AccessTokens(config.JWT_SECRET, config.ACCESS_TOKEN_TTL_SECONDS);
  const credentials = new CredentialStore(redis, prefix);
  const files = await createObjectStore(config);
  const services: ServiceDeps = {
    jobs,
    events,
    tenants,
    appUrl: config.APP_URL,
    credentials,
    files,
    settingsKeys: config.SETTINGS_ENCRYPTION_KEYS ? SettingsKeyring.parse(config.SETTINGS_ENCRYPTION_KEYS) : undefined,
  };
  const identity = {
    db,
    services,
    tokens,
    throttle: new SignInThrottle(redis, prefix, {
      maxFailures: config.SIGNIN_MAX_FAILURES,
      lockoutSeconds: config.SIGNIN_LOCKOUT_SECONDS,
    }),
    secretBox: config.MFA_ENCRYPTION_KEY ? new SecretBox(Buffer.from(config.MFA_ENCRYPTION_KEY, 'base64')) : null,
    mfaChallenges: new MfaChallenges(redis, prefix),
    apiKeyUsage: new ApiKeyUsage(redis, prefix, (error) => logger.warn({ err: error }, 'recording API key use failed')),
    signups: new SelfServeSignups(redis, prefix, config.SIGNUP_RATE_LIMIT_PER_HOUR),
  };

  const liveApiCalls = new LiveApiCalls(redis, prefix, events, (error) =>
    logger.warn({ err: error }, 'publishing live API-call usage failed'),
  );

  const apiPerformance = new ApiPerformanceRecorder(redis, prefix, (error) =>
    logger.warn({ err: error }, 'recording per-tenant API performance failed'),
  );
  apiPerformance.start(API_PERFORMANCE_FLUSH_MS);

  return {
    config,
    logger,
    db,
    redis,
    tenants,
    jobs,
    events,
    tokens,
    gate: new RequestGate(gateRedis, prefix),
    liveApiCalls,
    apiPerformance,
    services,
    identity,
    async close() {
      liveApiCalls.close();
      await apiPerformance.stop();
      await events.close();
      await jobs.close();
      subscriber.disconnect();
      files.close?.();
      await Promise.allSettled([db.close(), redis.quit(), gateRedis.quit()]);
    },
  };
}
