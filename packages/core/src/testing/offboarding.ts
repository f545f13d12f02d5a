import type { Redis } from 'ioredis';
import { QUEUES } from '../jobs/definitions.js';
import type { JobQueues } from '../jobs/queues.js';
import { rawClient } from './harness.js';

/** Rows of one tenant in every tenant-scoped table the catalog lists (as the owner, past RLS). */
export async function tenantRowCounts(ownerUrl: string, tenantId: number): Promise<Record<string, number>> {
  const client = await rawClient(ownerUrl);
  try {
    const { rows: tables } = await client.query<{ relname: string }>(
      `select c.relname from pg_class c
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
          and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
        order by 1`,
    );
    // The owner is bound by FORCEd row-level security too: count with the tenant set.
    await client.query('begin');
    await client.query("select set_config('app.current_tenant_id', $1, true)", [String(tenantId)]);
    const counts: Record<string, number> = {};
    for (const { relname } of tables) {
      const { rows } = await client.query<{ n: number }>(
        `select count(*)::int as n from "${relname}" where tenant_id = $1`,
        [tenantId],
      );
      counts[relname] = rows[0]?.n ?? 0;
    }
    const { rows } = await client.query<{ n: number }>('select count(*)::int as n from tenants where id = $1', [
      tenantId,
    ]);
    counts.tenants = rows[0]?.n ?? 0;
    await client.query('rollback');
    return counts;
  } finally {
    await client.end();
  }
}

/** Moves a scheduled deletion's date (as the owner), as if the retention period had passed. */
export async function moveDeletionDate(ownerUrl: string, tenantId: number, deleteAt: Date): Promise<void> {
  const client = await rawClient(ownerUrl);
  try {
    await client.query('begin');
    await client.query("select set_config('app.current_tenant_id', $1, true)", [String(tenantId)]);
    await client.query('update tenant_offboardings set delete_at = $2 where tenant_id = $1', [tenantId, deleteAt]);
    await client.query('commit');
  } finally {
    await client.end();
  }
}

/** Every key under a prefix. */
export async function allKeys(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

/**
 * The keys under a prefix that belong to a tenant: named by its id or uuid, or a credential or MFA
 * record holding its id. BullMQ's own keys (numbered job ids) are left to the queue check.
 */
export async function tenantKeys(
  redis: Redis,
  prefix: string,
  tenant: { tenantId: number; tenantUuid: string },
): Promise<string[]> {
  const queueHeads = QUEUES.map((queue) => `${prefix}:${queue}:`);
  const named = new RegExp(`:${tenant.tenantId}(:|$)`);
  const mine: string[] = [];
  for (const key of await allKeys(redis, prefix)) {
    if (queueHeads.some((head) => key.startsWith(head))) continue;
    if (key.includes(tenant.tenantUuid) || named.test(key)) {
      mine.push(key);
      continue;
    }
    const type = await redis.type(key);
    const holds =
      type === 'string'
        ? (await redis.get(key))?.includes(`"tenantId":${tenant.tenantId},`)
        : type === 'hash'
          ? (await redis.hget(key, 'tenantId')) === String(tenant.tenantId)
          : false;
    if (holds) mine.push(key);
  }
  return mine;
}

/** Jobs in any queue whose payload names the tenant. */
export async function tenantJobsIn(queues: JobQueues, tenantId: number): Promise<number> {
  let count = 0;
  for (const name of QUEUES) {
    const jobs = await queues
      .queue(name)
      .getJobs(['completed', 'failed', 'delayed', 'wait', 'prioritized', 'waiting-children']);
    count += jobs.filter((job) => (job?.data as { tenantId?: unknown } | undefined)?.tenantId === tenantId).length;
  }
  return count;
}
