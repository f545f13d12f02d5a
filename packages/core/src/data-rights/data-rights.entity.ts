import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { uuidv7 } from '../db/ids.js';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';

/** `tenant`: everything of the tenant; `personal`: one member's own data. */
export const EXPORT_SCOPES = ['tenant', 'personal'] as const;
export type ExportScope = (typeof EXPORT_SCOPES)[number];

export const EXPORT_STATUSES = ['queued', 'building', 'ready', 'failed', 'expired'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/**
 * A requested GDPR export archive. The worker builds it (see export-build.ts) and stores it under
 * `storageKey`; people are named by user id only, which stays as their pseudonym after erasure.
 */
export const TenantDataExport = defineEntity({
  name: 'TenantDataExport',
  tableName: 'tenant_data_exports',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    scope: p.enum([...EXPORT_SCOPES]),
    /** Whose data a personal export holds; null for a tenant export. */
    subjectUserId: p.uuid().nullable(),
    requestedByUserId: p.uuid().nullable(),
    status: p.enum([...EXPORT_STATUSES]).default('queued'),
    /** 0 to 1 while building; 1 once ready. */
    progress: p.float().default(0),
    sizeBytes: p.bigint('number').nullable(),
    sha256: p.string().columnType('char(64)').nullable(),
    storageKey: p.string().length(300).nullable(),
    /** The name the download is offered under. */
    fileName: p.string().length(255).nullable(),
    /** Why a build failed, in words fit for the console (never a stack or SQL). */
    error: p.string().length(500).nullable(),
    requestedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    startedAt: p.datetime().nullable(),
    readyAt: p.datetime().nullable(),
    expiresAt: p.datetime().nullable(),
    /** When it failed or expired. */
    finishedAt: p.datetime().nullable(),
  }),
  indexes: [{ properties: ['tenant', 'requestedAt'] }],
});
export type TenantDataExportEntity = InferEntity<typeof TenantDataExport>;

/** That a person's data was erased from the tenant: who (by id), by whom, when; no personal data. */
export const TenantErasure = defineEntity({
  name: 'TenantErasure',
  tableName: 'tenant_erasures',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    /** The erased person's user id: their pseudonym in the audit trail and everywhere else. */
    subjectUserId: p.uuid(),
    erasedByUserId: p.uuid().nullable(),
    selfRequested: p.boolean(),
    /** What was done, as counts per kind. */
    summary: p.json<Record<string, number>>().default('{}'),
    erasedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
  }),
});
export type TenantErasureEntity = InferEntity<typeof TenantErasure>;
