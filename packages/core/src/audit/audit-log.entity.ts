import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { uuidv7 } from '../db/ids.js';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { User } from '../users/user.entity.js';

/**
 * Append-only trail of what happened in a tenant. The app role may only SELECT and INSERT here, and
 * a trigger refuses UPDATE and DELETE to everyone but the lifecycle role (see
 * Migration20261202100000AuditChain). Another trigger chains each new entry to its tenant's
 * previous one: `seq`, `prevHash` and `hash` are set by the database, never by the application.
 */
export const TenantAuditLog = defineEntity({
  name: 'TenantAuditLog',
  tableName: 'tenant_audit_logs',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    /**
     * The acting user by id, with no foreign key: once the account is erased the id remains as the
     * person's pseudonym and the chain, which covers it, stays intact.
     */
    user: p.manyToOne(User).nullable().createForeignKeyConstraint(false),
    /** Dotted action name, e.g. `member.role_changed`. */
    action: p.string().length(100),
    resourceType: p.string().length(50).nullable(),
    resourceId: p.string().length(100).nullable(),
    /** What happened, hashed by the chain; personal values are replaced by `[personal]` here. */
    details: p.json<Record<string, unknown>>().default('{}'),
    /** The personal values taken out of `details`, in the same shape; outside the hash, erasable. */
    personal: p.json<Record<string, unknown>>().default('{}'),
    ipAddress: p.string().columnType('inet').nullable(),
    userAgent: p.text().nullable(),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    /** Position in the tenant's chain, 1 for its first entry ever. */
    seq: p.bigint('number').nullable(),
    /** Hex SHA-256 of the previous entry (null for the first). */
    prevHash: p.string().columnType('char(64)').nullable(),
    hash: p.string().columnType('char(64)').nullable(),
  }),
  indexes: [{ properties: ['tenant', 'createdAt'] }],
  uniques: [{ properties: ['tenant', 'seq'] }],
});

export type TenantAuditLogEntity = InferEntity<typeof TenantAuditLog>;

/**
 * The head of a tenant's chain: the last entry appended, and the cut retention made (the last
 * pruned entry's sequence number and hash), from which the chain verifies.
 */
export const TenantAuditChain = defineEntity({
  name: 'TenantAuditChain',
  tableName: 'tenant_audit_chains',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary().deleteRule('cascade'),
    lastSeq: p.bigint('number').default(0),
    lastHash: p.string().columnType('char(64)').nullable(),
    cutSeq: p.bigint('number').default(0),
    cutHash: p.string().columnType('char(64)').nullable(),
    cutAt: p.datetime().nullable(),
    prunedEntries: p.bigint('number').default(0),
  }),
});

export type TenantAuditChainEntity = InferEntity<typeof TenantAuditChain>;
