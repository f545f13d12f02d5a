import { z } from 'zod';
import { evaluateLimitAlerts } from '../alerts/limit-alerts.js';
import { audit } from '../audit/audit.js';
import { uuidv7 } from '../db/ids.js';
import { DomainError } from '../errors/domain-error.js';
import { hourStart } from '../request/gate.js';
import type { TenantContext } from '../services/context.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { User } from '../users/user.entity.js';
import { type FilePurpose, TenantFile, type TenantFileEntity } from './file.entity.js';
import { fileStorageKey } from './object-store.js';

const GIB = 1024 ** 3;

/** Logos end up in emails and pages of other people: raster images only (an SVG can carry script). */
export const LOGO_CONTENT_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;

/** What a client declares before its bytes are accepted. */
export const uploadRequestSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'is required')
    .max(255, 'must be at most 255 characters')
    .refine(
      (name) => ![...name].some((char) => char === '/' || char === '\\' || char < ' ' || char === '\u007f'),
      'must not contain slashes or control characters',
    ),
  contentType: z
    .string()
    .trim()
    .toLowerCase()
    .max(255)
    .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/, 'must be a media type such as image/png')
    .default('application/octet-stream'),
  sizeBytes: z.number().int().min(0, 'must not be negative'),
  purpose: z.enum(['upload', 'logo']).default('upload'),
});
export type UploadRequest = z.input<typeof uploadRequestSchema>;

export interface FileView {
  id: string;
  name: string;
  contentType: string;
  sizeBytes: number;
  purpose: FilePurpose;
  sha256: string | null;
  uploadedByUserId: string | null;
  /** The uploader's address while they are a member; null for a former member or a system upload. */
  uploadedByEmail: string | null;
  createdAt: Date;
  storedAt: Date | null;
}

/** Uploaders' addresses by id. A tenant unit sees only its members' accounts, so former members are absent. */
async function uploaderEmails(ctx: TenantContext, files: TenantFileEntity[]): Promise<Map<string, string>> {
  const ids = [...new Set(files.flatMap((file) => (file.uploadedBy ? [file.uploadedBy.id] : [])))];
  if (ids.length === 0) return new Map();
  const users = await ctx.em.find(User, { id: { $in: ids } }, { fields: ['id', 'email'] });
  return new Map(users.map((user) => [user.id, user.email]));
}

export function toFileView(file: TenantFileEntity, emails: Map<string, string> = new Map()): FileView {
  return {
    id: file.id,
    name: file.name,
    contentType: file.contentType,
    sizeBytes: file.sizeBytes,
    purpose: file.purpose,
    sha256: file.sha256 ?? null,
    uploadedByUserId: file.uploadedBy?.id ?? null,
    uploadedByEmail: file.uploadedBy ? (emails.get(file.uploadedBy.id) ?? null) : null,
    createdAt: file.createdAt,
    storedAt: file.storedAt ?? null,
  };
}

export interface StorageQuota {
  limitBytes: number;
  /** The tenant's database rows, as last measured. */
  databaseBytes: number;
  /** Completed files. */
  fileBytes: number;
  /** Uploads under way: their declared size is held until they complete or fail. */
  reservedBytes: number;
  usedBytes: number;
  availableBytes: number;
}

/**
 * The tenant's storage account. With `lock`, its row is locked until the transaction ends, so a
 * reservation decided on these numbers cannot race another one (READ COMMITTED: the sums below
 * are read after the lock is granted, so they include what the previous holder committed).
 */
export async function storageQuota(ctx: TenantContext, options: { lock?: boolean } = {}): Promise<StorageQuota> {
  if (options.lock) {
    await ctx.em.execute('insert into tenant_storage_usage (tenant_id) values (?) on conflict do nothing', [
      ctx.tenantId,
    ]);
  }
  const [account] = await ctx.em.execute<{ database_bytes: string }[]>(
    `select database_bytes from tenant_storage_usage where tenant_id = ?${options.lock ? ' for update' : ''}`,
    [ctx.tenantId],
  );
  const [files] = await ctx.em.execute<{ stored: string; reserved: string }[]>(
    `select coalesce(sum(size_bytes) filter (where status = 'stored'), 0) as stored,
            coalesce(sum(size_bytes) filter (where status = 'uploading'), 0) as reserved
       from tenant_files where tenant_id = ?`,
    [ctx.tenantId],
  );
  const tenant = await ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId }, { fields: ['storageLimitGb'] });
  const limitBytes = tenant.storageLimitGb * GIB;
  const databaseBytes = Number(account?.database_bytes ?? 0);
  const fileBytes = Number(files?.stored ?? 0);
  const reservedBytes = Number(files?.reserved ?? 0);
  const usedBytes = databaseBytes + fileBytes + reservedBytes;
  return {
    limitBytes,
    databaseBytes,
    fileBytes,
    reservedBytes,
    usedBytes,
    availableBytes: Math.max(0, limitBytes - usedBytes),
  };
}

/**
 * After a file is stored or deleted: this hour's storage gauge (which keeps the hour's peak) and
 * the 80 % / 95 % storage alerts follow the real bytes at once, not only at the next measurement.
 */
async function reflectStorage(ctx: TenantContext): Promise<void> {
  const quota = await storageQuota(ctx);
  const storageBytes = quota.databaseBytes + quota.fileBytes;
  await ctx.em.execute(
    `insert into tenant_usage_records (tenant_id, metric, period_start, quantity, updated_at) values (?, 'storage_bytes', ?, ?, now())
     on conflict (tenant_id, metric, period_start) do update set quantity = greatest(tenant_usage_records.quantity, excluded.quantity), updated_at = now()`,
    [ctx.tenantId, new Date(hourStart(ctx.now.getTime())), storageBytes],
  );
  const tenant = await ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId });
  await evaluateLimitAlerts(ctx, tenant, { storage: storageBytes });
  ctx.publish('usage.updated', { metric: 'storage', storageBytes });
}

/**
 * Step one of an upload: checks the declared size against the quota and holds it, in one
 * transaction under the tenant's storage lock, before a single byte is stored.
 */
export async function reserveUpload(ctx: TenantContext, request: UploadRequest): Promise<TenantFileEntity> {
  const input = uploadRequestSchema.parse(request);
  if (input.purpose === 'logo' && !(LOGO_CONTENT_TYPES as readonly string[]).includes(input.contentType)) {
    throw new DomainError('BAD_REQUEST', `A logo must be one of ${LOGO_CONTENT_TYPES.join(', ')}`, {
      fields: { contentType: `must be one of ${LOGO_CONTENT_TYPES.join(', ')}` },
    });
  }
  const quota = await storageQuota(ctx, { lock: true });
  if (input.sizeBytes > quota.availableBytes) {
    throw new DomainError(
      'PAYLOAD_TOO_LARGE',
      `Storage quota exceeded: ${input.sizeBytes} bytes requested, ${quota.availableBytes} of ${quota.limitBytes} available`,
      {
        details: {
          reason: 'storage_quota_exceeded',
          requestedBytes: input.sizeBytes,
          availableBytes: quota.availableBytes,
          usedBytes: quota.usedBytes,
          limitBytes: quota.limitBytes,
        },
      },
    );
  }
  const id = uuidv7();
  const file = ctx.em.create(TenantFile, {
    tenant: ctx.tenantId,
    id,
    purpose: input.purpose,
    name: input.name,
    contentType: input.contentType,
    sizeBytes: input.sizeBytes,
    status: 'uploading',
    storageKey: fileStorageKey(ctx.tenantId, id),
    uploadedBy: ctx.actor.userId,
  });
  await ctx.em.flush();
  return file;
}

/** Step two: the bytes are stored; the file becomes readable and its reservation becomes usage. */
export async function completeUpload(ctx: TenantContext, fileId: string, sha256: string): Promise<FileView> {
  const file = await ctx.em.findOneOrFail(TenantFile, { tenant: ctx.tenantId, id: fileId, status: 'uploading' });
  file.status = 'stored';
  file.sha256 = sha256;
  file.storedAt = ctx.now;
  if (file.purpose === 'logo') await useAsLogo(ctx, file);
  await ctx.em.flush();
  await reflectStorage(ctx);
  audit(ctx, {
    action: file.purpose === 'logo' ? 'branding.logo_uploaded' : 'file.uploaded',
    resourceType: 'file',
    resourceId: file.id,
    details: { sizeBytes: file.sizeBytes, contentType: file.contentType, sha256 },
  });
  ctx.publish('file.changed', { id: file.id, change: 'stored' });
  return toFileView(file, await uploaderEmails(ctx, [file]));
}

/** An upload that failed part-way: its reservation is released (the caller removes any object). */
export async function abandonUpload(ctx: TenantContext, fileId: string): Promise<void> {
  await ctx.em.nativeDelete(TenantFile, { tenant: ctx.tenantId, id: fileId, status: 'uploading' });
}

/**
 * Uploads still under way after `olderThan` belong to a process that died mid-stream: their
 * reservations are released and whatever part of an object exists is purged.
 */
export async function releaseAbandonedUploads(ctx: TenantContext, olderThan: Date): Promise<number> {
  const stale = await ctx.em.find(TenantFile, {
    tenant: ctx.tenantId,
    status: 'uploading',
    createdAt: { $lt: olderThan },
  });
  for (const file of stale) {
    ctx.em.remove(file);
    ctx.enqueue('files.purge_object', { tenantId: ctx.tenantId, key: file.storageKey });
  }
  await ctx.em.flush();
  return stale.length;
}

async function storedFile(ctx: TenantContext, fileId: string): Promise<TenantFileEntity> {
  // A malformed id names no file; like another tenant's file, it is simply not found.
  const id = z.uuid().safeParse(fileId);
  const file = id.success
    ? await ctx.em.findOne(TenantFile, { tenant: ctx.tenantId, id: id.data, status: 'stored' })
    : null;
  if (!file) throw new DomainError('NOT_FOUND', 'File not found');
  return file;
}

export async function getFile(ctx: TenantContext, fileId: string): Promise<FileView> {
  const file = await storedFile(ctx, fileId);
  return toFileView(file, await uploaderEmails(ctx, [file]));
}

/** What a download needs: the stored file's metadata and where its bytes are. */
export async function fileForDownload(ctx: TenantContext, fileId: string): Promise<TenantFileEntity> {
  return storedFile(ctx, fileId);
}

export interface FileListQuery {
  purpose?: FilePurpose;
  /** The last id of the previous page. */
  cursor?: string;
  limit: number;
}

/** Completed files, newest first (ids are time-ordered). */
export async function listFiles(
  ctx: TenantContext,
  query: FileListQuery,
): Promise<{ items: FileView[]; nextCursor: string | null }> {
  const rows = await ctx.em.find(
    TenantFile,
    {
      tenant: ctx.tenantId,
      status: 'stored',
      ...(query.purpose ? { purpose: query.purpose } : {}),
      ...(query.cursor ? { id: { $lt: query.cursor } } : {}),
    },
    { orderBy: { id: 'desc' }, limit: query.limit + 1 },
  );
  const page = rows.slice(0, query.limit);
  const emails = await uploaderEmails(ctx, page);
  return {
    items: page.map((file) => toFileView(file, emails)),
    nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

/**
 * Deletes a file: the row goes in this transaction (its bytes stop counting at once) and the
 * object is purged by a job enqueued with it, so the bytes go even if this process dies next.
 */
export async function deleteFile(ctx: TenantContext, fileId: string): Promise<void> {
  const file = await storedFile(ctx, fileId);
  if (file.purpose === 'logo') await clearLogoIfCurrent(ctx, file.id);
  ctx.em.remove(file);
  ctx.enqueue('files.purge_object', { tenantId: ctx.tenantId, key: file.storageKey });
  await ctx.em.flush();
  await reflectStorage(ctx);
  audit(ctx, {
    action: 'file.deleted',
    resourceType: 'file',
    resourceId: file.id,
    details: { sizeBytes: file.sizeBytes },
  });
  ctx.publish('file.changed', { id: file.id, change: 'deleted' });
}

// ── branding logo ───────────────────────────────────────────────────────────────────────────────

/** The public address of a tenant's current logo, served by the api without a credential. */
export function logoUrl(appUrl: string, tenantUuid: string, fileId: string): string {
  return new URL(`/api/branding/${tenantUuid}/logo?v=${fileId}`, appUrl).toString();
}

/** A stored logo becomes the tenant's branding logo; the one it replaces is deleted. */
async function useAsLogo(ctx: TenantContext, file: TenantFileEntity): Promise<void> {
  const tenant = await ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId });
  const previous = tenant.branding.logo_file_id;
  tenant.branding = {
    ...tenant.branding,
    logo_file_id: file.id,
    logo_url: logoUrl(ctx.deps.appUrl, tenant.tenantUuid, file.id),
  };
  if (typeof previous === 'string' && previous !== file.id) {
    const old = await ctx.em.findOne(TenantFile, { tenant: ctx.tenantId, id: previous });
    if (old) {
      ctx.em.remove(old);
      ctx.enqueue('files.purge_object', { tenantId: ctx.tenantId, key: old.storageKey });
    }
  }
  ctx.invalidateTenantFacts();
  ctx.publish('tenant.changed', { change: 'branding' });
}

async function clearLogoIfCurrent(ctx: TenantContext, fileId: string): Promise<void> {
  const tenant = await ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId });
  if (tenant.branding.logo_file_id !== fileId) return;
  const { logo_file_id: _file, logo_url: _url, ...rest } = tenant.branding;
  tenant.branding = rest;
  ctx.invalidateTenantFacts();
  ctx.publish('tenant.changed', { change: 'branding' });
}

/** The tenant's current logo file, for the public logo route; null when it has none. */
export async function currentLogo(ctx: TenantContext): Promise<TenantFileEntity | null> {
  const tenant = await ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId });
  const fileId = tenant.branding.logo_file_id;
  if (typeof fileId !== 'string') return null;
  return ctx.em.findOne(TenantFile, { tenant: ctx.tenantId, id: fileId, purpose: 'logo', status: 'stored' });
}
