import { Redis } from 'ioredis';
import { ConfigError } from '../config/env.js';

/**
 * Fail fast while Redis is unreachable: a command sent then is refused at once instead of queued,
 * one in flight when the connection drops is retried once, and reconnecting is tried at least every
 * second, so requests answer 503 within a fraction of a second and recover within a second of Redis
 * returning. Connections that block (BullMQ workers, subscribers) ask for the offline queue back.
 */
export const FAIL_FAST_OPTIONS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 1_000),
} as const;

export function createRedis(url: string, connectionName: string): Redis {
  const redis = new Redis(url, { connectionName, lazyConnect: true, ...FAIL_FAST_OPTIONS });
  // ioredis reconnects by itself; a lost connection shows in failed commands and /healthz, so the
  // error events need no handler of their own beyond keeping them off stderr.
  redis.on('error', () => {});
  return redis;
}

/**
 * Connects and checks the eviction policy. Queues and usage counters are data, not cache: a Redis
 * that may evict keys would silently lose jobs and counts, so anything but noeviction is refused.
 */
export async function connectRedis(url: string, connectionName: string): Promise<Redis> {
  const redis = createRedis(url, connectionName);
  let firstError: unknown;
  redis.once('error', (error) => {
    firstError = error;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new ConfigError('REDIS_URL', `cannot connect to Redis (${describe(firstError ?? error)})`);
  }
  const policy = await evictionPolicy(redis);
  if (policy !== 'noeviction') {
    redis.disconnect();
    throw new ConfigError(
      'REDIS_URL',
      `Redis maxmemory-policy is "${policy}"; set it to noeviction (queues and usage counters must never be evicted)`,
    );
  }
  return redis;
}

export async function evictionPolicy(redis: Redis): Promise<string> {
  const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
  return reply[1] ?? 'unknown';
}

function describe(error: unknown): string {
  if (error && typeof error === 'object') {
    const { code, message } = error as { code?: string; message?: string };
    return code ?? message ?? 'unknown error';
  }
  return String(error);
}
