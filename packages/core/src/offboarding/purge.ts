import type { Redis } from 'ioredis';
import type { Database } from '../db/database.js';
import { tenantObjectPrefix } from '../files/object-store.js';
import type { JobQueues } from '../jobs/queues.js';
import { SYSTEM_ACTOR } from '../jobs/tenant-job.js';
import { type ServiceDeps, tenantContext } from '../services/context.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { TenantDeletion, TenantOffboarding } from './offboarding.entity.js';
import { advanceOffboarding, type OffboardingStep } from './offboarding.service.js';
import { deleteTenantRedisKeys } from './tenant-redis-keys.js';

export interface PurgeDeps {
  db: Database;
  redis: Redis;
  prefix: string;
  jobs: JobQueues;
  services: ServiceDeps;
}

export type OffboardingOutcome =
  | OffboardingStep
  | { kind: 'deleted'; tenantUuid: string; rows: number; objects: number; redisKeys: number };

/**
 * A tenant's offboarding, one worker step at a time: the final notice when the deletion is near, and
 * once it is due, the deletion. Rerunnable from any point a crash leaves it at: the claim, the
 * operators' record, the object store, Redis and the rows each either happened or happen again.
 */
export async function runOffboarding(deps: PurgeDeps, tenantId: number): Promise<OffboardingOutcome> {
  const step = await deps.db.inTenant(tenantId, async (em) => {
    const tenant = await em.findOne(Tenant, { id: tenantId });
    // Gone already: a purge that stopped after its rows went finishes below, if its record says so.
    if (!tenant) return { kind: 'purge' } as const;
    return advanceOffboarding(tenantContext(em, tenantId, SYSTEM_ACTOR, deps.services), tenant);
  });
  if (step.kind !== 'purge') return step;
  return purgeTenant(deps, tenantId);
}

interface Claimed {
  tenantUuid: string;
  subscriptionTier: string;
  requestedByOperator: boolean;
  requestedAt: Date;
  deleteAt: Date;
  sessions: string[];
  apiKeys: string[];
}

/** What the purge needs of a claimed tenant whose rows are still there; null when none are. */
async function readClaimed(db: Database, tenantId: number): Promise<Claimed | null> {
  return db.inTenant(tenantId, async (em) => {
    const tenant = await em.findOne(Tenant, { id: tenantId });
    const row = await em.findOne(TenantOffboarding, { tenant: tenantId });
    if (!tenant || !row || row.cancelledAt || !row.purgeStartedAt) return null;
    const ids = async (column: string, table: string) =>
      (await em.execute<{ id: string }[]>(`select ${column} as id from ${table} where tenant_id = ?`, [tenantId])).map(
        (r) => r.id,
      );
    return {
      tenantUuid: tenant.tenantUuid,
      subscriptionTier: tenant.subscriptionTier,
      requestedByOperator: row.requestedByOperator,
      requestedAt: row.requestedAt,
      deleteAt: row.deleteAt,
      sessions: await ids('id', 'auth_sessions'),
      // Redis names a key by its public key id, the part of the token after the tenant.
      apiKeys: await ids('key_id', 'api_keys'),
    };
  });
}

/**
 * Deletes everything of a tenant whose deletion the worker has claimed:
 * 1. the operators' record (tenant_deletions) is written first, so a crash anywhere after is resumed;
 * 2. its objects and its Redis keys go;
 * 3. its rows in every tenant-scoped table and its tenants row go in one transaction, as the
 *    lifecycle role (offboarding_purge, which refuses unless the deletion is due and claimed);
 * 4. objects and keys go once more (an upload or a sign-in that raced the rows), every api node
 *    forgets the tenant, and the record is completed.
 */
export async function purgeTenant(deps: PurgeDeps, tenantId: number): Promise<OffboardingOutcome> {
  const claimed = await readClaimed(deps.db, tenantId);
  if (claimed) {
    await deps.db.inGlobal(async (em) => {
      await em.upsert(
        TenantDeletion,
        {
          deletedTenantId: tenantId,
          deletedTenantUuid: claimed.tenantUuid,
          subscriptionTier: claimed.subscriptionTier,
          requestedByOperator: claimed.requestedByOperator,
          requestedAt: claimed.requestedAt,
          deleteAt: claimed.deleteAt,
          startedAt: new Date(),
          credentialIds: { sessions: claimed.sessions, apiKeys: claimed.apiKeys },
        },
        { onConflictFields: ['deletedTenantId'], onConflictMergeFields: ['credentialIds'] },
      );
    });
  }
  const record = await deps.db.inGlobal((em) => em.findOne(TenantDeletion, { deletedTenantId: tenantId }));
  if (!record) return { kind: 'nothing_due' };
  if (record.completedAt) {
    return {
      kind: 'deleted',
      tenantUuid: record.deletedTenantUuid,
      rows: Object.values(record.rowsDeleted).reduce((sum, n) => sum + n, 0),
      objects: record.objectsDeleted,
      redisKeys: record.redisKeysDeleted,
    };
  }

  const sweep = async () => {
    const objects = await deps.services.files.deletePrefix(tenantObjectPrefix(tenantId));
    const redisKeys = await deleteTenantRedisKeys(deps, tenantId, record.credentialIds);
    return { objects, redisKeys };
  };
  const first = await sweep();
  let rowsDeleted = record.rowsDeleted;
  if (claimed) {
    const deleted = await deps.db.inTenant(tenantId, (em) =>
      em.execute<{ table_name: string; deleted: string }[]>('select table_name, deleted from offboarding_purge()'),
    );
    rowsDeleted = Object.fromEntries(deleted.map((row) => [row.table_name, Number(row.deleted)]));
  }
  const second = await sweep();
  await deps.services.tenants.invalidate(tenantId);

  const objects = record.objectsDeleted + first.objects + second.objects;
  const redisKeys = record.redisKeysDeleted + first.redisKeys + second.redisKeys;
  await deps.db.inGlobal(async (em) => {
    const row = await em.findOneOrFail(TenantDeletion, { deletedTenantId: tenantId });
    em.assign(row, { rowsDeleted, objectsDeleted: objects, redisKeysDeleted: redisKeys, completedAt: new Date() });
  });
  return {
    kind: 'deleted',
    tenantUuid: record.deletedTenantUuid,
    rows: Object.values(rowsDeleted).reduce((sum, n) => sum + n, 0),
    objects,
    redisKeys,
  };
}

/**
 * Tenants the offboarding scan hands to the worker: a schedule whose final notice or deletion is
 * due (or whose deletion started), in one platform read, and deletions a crash left unfinished.
 */
export async function offboardingsDue(db: Database, now: Date, finalNoticeDays: number): Promise<number[]> {
  const scheduled = await db.inPlatformRead((em) =>
    em.execute<{ tenant_id: number }[]>(
      `select tenant_id from tenant_offboardings
        where cancelled_at is null
          and (purge_started_at is not null or delete_at <= ?
               or (final_notice_sent_at is null and delete_at <= ?))
        order by tenant_id`,
      [now, new Date(now.getTime() + finalNoticeDays * 86_400_000)],
    ),
  );
  const unfinished = await db.inGlobal((em) =>
    em.execute<{ deleted_tenant_id: number }[]>(
      'select deleted_tenant_id from tenant_deletions where completed_at is null order by deleted_tenant_id',
    ),
  );
  return [
    ...new Set([...scheduled.map((r) => Number(r.tenant_id)), ...unfinished.map((r) => Number(r.deleted_tenant_id))]),
  ];
}

/** Operators' view of completed and unfinished deletions, newest first; no personal data is kept. */
export async function listTenantDeletions(db: Database, limit: number) {
  return db.inGlobal((em) => em.find(TenantDeletion, {}, { orderBy: { startedAt: 'desc' }, limit }));
}
