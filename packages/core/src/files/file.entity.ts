import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { uuidv7 } from '../db/ids.js';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { User } from '../users/user.entity.js';

export const FILE_PURPOSES = ['upload', 'logo'] as const;
export type FilePurpose = (typeof FILE_PURPOSES)[number];

/** `uploading`: bytes reserved against the quota while they stream in; `stored`: complete and readable. */
export const FILE_STATUSES = ['uploading', 'stored'] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];

/**
 * A file a tenant stores. The bytes live in the object store under `storageKey`, which the server
 * derives from the tenant and the file id alone — never from a name a client sent.
 */
export const TenantFile = defineEntity({
  name: 'TenantFile',
  tableName: 'tenant_files',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    purpose: p.enum([...FILE_PURPOSES]).default('upload'),
    /** The name it was uploaded with, for display and downloads only. */
    name: p.string().length(255),
    contentType: p.string().length(255),
    /** Declared before the upload and reserved against the quota; the stream must match it exactly. */
    sizeBytes: p.bigint('number'),
    /** Hex SHA-256 of the stored bytes, known once the upload completes. */
    sha256: p.string().columnType('char(64)').nullable(),
    status: p.enum([...FILE_STATUSES]).default('uploading'),
    storageKey: p.string().length(300),
    uploadedBy: p.manyToOne(User).fieldName('uploaded_by_user_id').nullable().deleteRule('set null'),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    storedAt: p.datetime().nullable(),
  }),
  uniques: [{ properties: ['tenant', 'storageKey'] }],
  indexes: [{ properties: ['tenant', 'status', 'createdAt'] }],
});
export type TenantFileEntity = InferEntity<typeof TenantFile>;

/**
 * One row per tenant. Quota reservations lock it (SELECT … FOR UPDATE), so two uploads racing for
 * the last bytes are decided one after the other; it also keeps the last measured size of the
 * tenant's database rows, which counts against the same quota as its files.
 */
export const TenantStorageUsage = defineEntity({
  name: 'TenantStorageUsage',
  tableName: 'tenant_storage_usage',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    databaseBytes: p.bigint('number').default(0),
    databaseMeasuredAt: p.datetime().nullable(),
  }),
});
export type TenantStorageUsageEntity = InferEntity<typeof TenantStorageUsage>;
