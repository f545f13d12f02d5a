import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';

/**
 * A tenant's deletion schedule, one row per tenant: scheduling again after a cancellation reuses it
 * (the audit trail keeps the history). While `cancelledAt` is null the tenant is read-only and is
 * deleted at `deleteAt`; the row goes with everything else of the tenant, so the completion is
 * recorded in the global `tenant_deletions` (TenantDeletion) instead.
 */
export const TenantOffboarding = defineEntity({
  name: 'TenantOffboarding',
  tableName: 'tenant_offboardings',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    /** The member who asked; null when a platform operator scheduled it (see requestedByOperator). */
    requestedByUserId: p.uuid().nullable(),
    requestedByOperator: p.boolean().default(false),
    reason: p.string().length(500),
    requestedAt: p.datetime(),
    /** From here on every change but the cancellation (and an export) is refused. */
    suspendAt: p.datetime(),
    deleteAt: p.datetime(),
    retentionDays: p.integer(),
    noticeSentAt: p.datetime().nullable(),
    finalNoticeSentAt: p.datetime().nullable(),
    /** Set by the worker when it starts deleting; from then on the deletion can no longer be cancelled. */
    purgeStartedAt: p.datetime().nullable(),
    cancelledAt: p.datetime().nullable(),
    cancelledByUserId: p.uuid().nullable(),
  }),
});
export type TenantOffboardingEntity = InferEntity<typeof TenantOffboarding>;

/**
 * Global record of a deleted tenant, for operators: when and how it was deleted and how much,
 * without personal data (no name, contact, reason text or member). Written when the deletion
 * starts and completed when the last step ran, so an unfinished one is found and resumed.
 * It names the tenant by `deletedTenantId`, not `tenant_id`: it is no tenant's row.
 */
export const TenantDeletion = defineEntity({
  name: 'TenantDeletion',
  tableName: 'tenant_deletions',
  properties: (p) => ({
    deletedTenantId: p.integer().primary().autoincrement(false),
    deletedTenantUuid: p.uuid().unique(),
    subscriptionTier: p.string().length(50),
    requestedByOperator: p.boolean(),
    requestedAt: p.datetime(),
    deleteAt: p.datetime(),
    startedAt: p.datetime(),
    completedAt: p.datetime().nullable(),
    /** Rows deleted per table. */
    rowsDeleted: p.json<Record<string, number>>().default('{}'),
    objectsDeleted: p.integer().default(0),
    redisKeysDeleted: p.integer().default(0),
    /** Session and API-key ids read before their rows went, so their Redis records can still be removed. */
    credentialIds: p.json<{ sessions: string[]; apiKeys: string[] }>().default('{"sessions":[],"apiKeys":[]}'),
  }),
});
export type TenantDeletionEntity = InferEntity<typeof TenantDeletion>;
