import type { Redis } from 'ioredis';
import { apiKeyKey, memberSessionsKey, revokedCredentialKey, sessionKey } from '../auth/credentials.js';
import { QUEUES } from '../jobs/definitions.js';
import type { JobQueues } from '../jobs/queues.js';

/**
 * Every Redis key family the code writes, in one place, each with whose it is. A tenant's keys are
 * deleted with the tenant; a test reads the source for `${prefix}:…` keys and fails on a family
 * missing here, so a key added later is classified (and purged) before it ships.
 */
export const REDIS_KEY_FAMILIES = {
  /** Named by the tenant id: found by the SCAN patterns below. */
  tenant: ['calls', 'member-sess', 'apikey-usage', 'live-usage', 'events', 'perf'],
  /** Named by a random credential id whose record holds the tenant id: found through the tenant's rows. */
  credential: ['sess', 'apikey', 'mfa-challenge'],
  /** Belong to an account, an address or the deployment, never to one tenant. */
  other: [
    // sign-in and reset throttles, by account and address (auth/sign-in-throttle.ts)
    'signin-',
    'signin-known',
    'signin-account',
    'signin-account-address',
    'reset-emails',
    'reset-emails-address',
    'reset-requests',
    // self-serve sign-ups per address (tenants/tenant-creation.ts)
    'signups',
    // the pub/sub channel of tenant-fact invalidations (no key is stored)
    'tenant-facts',
  ],
} as const;

/** SCAN patterns of the keys named by the tenant id, one or more per `tenant` family above. */
export function tenantKeyPatterns(prefix: string, tenantId: number): string[] {
  return [
    `${prefix}:calls:${tenantId}:*`,
    `${prefix}:member-sess:${tenantId}:*`,
    `${prefix}:apikey-usage:${tenantId}`,
    `${prefix}:live-usage:watched:${tenantId}`,
    `${prefix}:live-usage:sent:${tenantId}`,
    `${prefix}:events:${tenantId}`,
    // an outbox-published event's once-only mark (events/event-bus.ts)
    `${prefix}:events:${tenantId}:published:*`,
    `${prefix}:perf:*:${tenantId}`,
  ];
}

export interface TenantCredentialIds {
  sessions: string[];
  apiKeys: string[];
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

async function deleteKeys(redis: Redis, keys: string[]): Promise<number> {
  let deleted = 0;
  for (let start = 0; start < keys.length; start += 500) deleted += await redis.del(...keys.slice(start, start + 500));
  return deleted;
}

/** Job states whose jobs stay in Redis with their payload; the running one (this purge) is left alone. */
const KEPT_JOB_STATES = ['completed', 'failed', 'delayed', 'wait', 'prioritized', 'waiting-children'] as const;

/** Removes the tenant's jobs (their payloads name the tenant, an email job its recipient) from every queue. */
async function deleteTenantJobs(jobs: JobQueues, tenantId: number): Promise<number> {
  let removed = 0;
  for (const name of QUEUES) {
    const kept = await jobs.queue(name).getJobs([...KEPT_JOB_STATES], 0, -1);
    for (const job of kept) {
      if ((job?.data as { tenantId?: unknown } | undefined)?.tenantId !== tenantId) continue;
      // A job that finished or went meanwhile has nothing left to remove.
      if (
        await job.remove().then(
          () => true,
          () => false,
        )
      )
        removed += 1;
    }
  }
  return removed;
}

/**
 * Deletes every Redis key of a tenant: those named by its id, the records of its sessions and API
 * keys (from its rows and from its member-session indexes) with their revocation tombstones, its
 * pending MFA challenges, and its jobs. Safe to repeat; returns how many keys and jobs went.
 */
export async function deleteTenantRedisKeys(
  deps: { redis: Redis; prefix: string; jobs: JobQueues },
  tenantId: number,
  credentials: TenantCredentialIds,
): Promise<number> {
  const { redis, prefix } = deps;
  const named = (
    await Promise.all(tenantKeyPatterns(prefix, tenantId).map((pattern) => scanKeys(redis, pattern)))
  ).flat();
  const sessionIds = new Set(credentials.sessions);
  for (const index of named.filter((key) => key.startsWith(memberSessionsKey(prefix, tenantId, '')))) {
    for (const id of await redis.smembers(index)) sessionIds.add(id);
  }
  const credentialKeys = [
    ...[...sessionIds].map((id) => sessionKey(prefix, id)),
    ...credentials.apiKeys.map((id) => apiKeyKey(prefix, id)),
  ].flatMap((key) => [key, revokedCredentialKey(key)]);
  const challenges: string[] = [];
  for (const key of await scanKeys(redis, `${prefix}:mfa-challenge:*`)) {
    if ((await redis.hget(key, 'tenantId')) === String(tenantId)) challenges.push(key);
  }
  const keys = await deleteKeys(redis, [...named, ...credentialKeys, ...challenges]);
  return keys + (await deleteTenantJobs(deps.jobs, tenantId));
}
