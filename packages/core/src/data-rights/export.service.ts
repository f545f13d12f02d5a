import { z } from 'zod';
import { audit } from '../audit/audit.js';
import { effectivePermissions, type Permission } from '../auth/permissions.js';
import { DomainError } from '../errors/domain-error.js';
import { assertObjectKey, tenantObjectPrefix } from '../files/object-store.js';
import { TenantUser } from '../members/tenant-user.entity.js';
import type { TenantContext } from '../services/context.js';
import {
  type ExportScope,
  type ExportStatus,
  TenantDataExport,
  type TenantDataExportEntity,
} from './data-rights.entity.js';

/** How long a built archive stays downloadable before it is purged. */
export const ARCHIVE_RETENTION_DAYS = 7;

export interface ExportView {
  id: string;
  scope: ExportScope;
  status: ExportStatus;
  progress: number;
  sizeBytes: number | null;
  sha256: string | null;
  fileName: string | null;
  subjectUserId: string | null;
  requestedByUserId: string | null;
  requestedAt: Date;
  readyAt: Date | null;
  expiresAt: Date | null;
  error: string | null;
}

/** A ready archive past its expiry reads as expired at once, before its expiry job has run. */
function effectiveStatus(row: TenantDataExportEntity, now: Date): ExportStatus {
  return row.status === 'ready' && row.expiresAt && row.expiresAt <= now ? 'expired' : row.status;
}

export function toExportView(row: TenantDataExportEntity, now: Date): ExportView {
  return {
    id: row.id,
    scope: row.scope,
    status: effectiveStatus(row, now),
    progress: row.progress,
    sizeBytes: row.sizeBytes ?? null,
    sha256: row.sha256 ?? null,
    fileName: row.fileName ?? null,
    subjectUserId: row.subjectUserId ?? null,
    requestedByUserId: row.requestedByUserId ?? null,
    requestedAt: row.requestedAt,
    readyAt: row.readyAt ?? null,
    expiresAt: row.expiresAt ?? null,
    error: row.error ?? null,
  };
}

/** Where an export's archive is stored: under the tenant's own prefix, named by the export id alone. */
export function exportArchiveKey(tenantId: number, exportId: string): string {
  const key = `${tenantObjectPrefix(tenantId)}exports/${exportId.toLowerCase()}`;
  assertObjectKey(key);
  return key;
}

/** Tells live consoles how an export is going: tenant exports to data.export holders, personal ones to their member. */
export function publishExportProgress(ctx: TenantContext, row: TenantDataExportEntity): void {
  const data = { exportId: row.id, status: row.status, progress: row.progress };
  if (row.scope === 'personal') ctx.publish('data.personal_export.progress', { ...data, userId: row.subjectUserId });
  else ctx.publish('data.export.progress', data);
}

async function queueExport(ctx: TenantContext, scope: ExportScope, subjectUserId: string | null): Promise<ExportView> {
  const building = await ctx.em.findOne(TenantDataExport, {
    tenant: ctx.tenantId,
    scope,
    subjectUserId,
    status: { $in: ['queued', 'building'] },
  });
  if (building) {
    throw new DomainError('CONFLICT', 'An export is already being built; wait until it is ready', {
      details: { reason: 'export_in_progress', exportId: building.id },
    });
  }
  const row = ctx.em.create(TenantDataExport, {
    tenant: ctx.tenantId,
    scope,
    subjectUserId,
    requestedByUserId: ctx.actor.userId,
    status: 'queued',
    progress: 0,
    requestedAt: ctx.now,
  });
  await ctx.em.flush();
  ctx.enqueue(
    'data.export_build',
    { tenantId: ctx.tenantId, exportId: row.id },
    { jobId: `data.export_build:${row.id}` },
  );
  audit(ctx, {
    action: 'data.export_requested',
    resourceType: 'data_export',
    resourceId: row.id,
    details: { scope, ...(subjectUserId ? { subjectUserId } : {}) },
  });
  publishExportProgress(ctx, row);
  return toExportView(row, ctx.now);
}

/** A full export of the tenant (the caller holds data.export); built by the worker. */
export function requestTenantExport(ctx: TenantContext): Promise<ExportView> {
  return queueExport(ctx, 'tenant', null);
}

function signedInMember(ctx: TenantContext): string {
  if (!ctx.actor.userId) {
    throw new DomainError('FORBIDDEN', 'Only a signed-in member can export or erase their own data', {
      details: { reason: 'member_required' },
    });
  }
  return ctx.actor.userId;
}

/** An export of the caller's own personal data in this tenant. */
export function requestPersonalExport(ctx: TenantContext): Promise<ExportView> {
  const userId = signedInMember(ctx);
  return queueExport(ctx, 'personal', userId);
}

export const exportListInput = z.strictObject({ limit: z.number().int().min(1).max(100).default(20) });

/** Tenant exports, newest first (for data.export holders). */
export async function listTenantExports(ctx: TenantContext, limit: number): Promise<ExportView[]> {
  const rows = await ctx.em.find(
    TenantDataExport,
    { tenant: ctx.tenantId, scope: 'tenant' },
    { orderBy: { requestedAt: 'desc', id: 'desc' }, limit },
  );
  return rows.map((row) => toExportView(row, ctx.now));
}

/** The caller's own personal exports, newest first. */
export async function listPersonalExports(ctx: TenantContext, limit: number): Promise<ExportView[]> {
  const userId = signedInMember(ctx);
  const rows = await ctx.em.find(
    TenantDataExport,
    { tenant: ctx.tenantId, scope: 'personal', subjectUserId: userId },
    { orderBy: { requestedAt: 'desc', id: 'desc' }, limit },
  );
  return rows.map((row) => toExportView(row, ctx.now));
}

/** Who is downloading: a member of the tenant and what they may do now. */
export interface Downloader {
  userId: string;
  permissions: ReadonlySet<Permission>;
}

/**
 * The ready archive a member may download: a tenant export needs data.export, a personal one is
 * its subject's only (another member's answers like one that does not exist). Checked both when a
 * link is handed out and when it is used.
 */
export async function exportForDownload(
  ctx: TenantContext,
  who: Downloader,
  exportId: string,
): Promise<TenantDataExportEntity & { storageKey: string }> {
  const notFound = new DomainError('NOT_FOUND', 'Export not found');
  const id = z.uuid().safeParse(exportId);
  if (!id.success) throw notFound;
  const row = await ctx.em.findOne(TenantDataExport, { tenant: ctx.tenantId, id: id.data });
  if (!row) throw notFound;
  if (row.scope === 'personal' && row.subjectUserId !== who.userId) throw notFound;
  if (row.scope === 'tenant' && !who.permissions.has('data.export')) {
    throw new DomainError('FORBIDDEN', 'Missing permission: data.export', {
      details: { reason: 'missing_permission', permission: 'data.export' },
    });
  }
  const status = effectiveStatus(row, ctx.now);
  if (status === 'expired') {
    throw new DomainError('PRECONDITION_FAILED', 'This export has expired; request a new one', {
      details: { reason: 'export_expired' },
    });
  }
  if (status !== 'ready' || !row.storageKey) {
    throw new DomainError('PRECONDITION_FAILED', 'This export is not ready yet', {
      details: { reason: 'export_not_ready', status },
    });
  }
  return row as TenantDataExportEntity & { storageKey: string };
}

/** Records a download in the audit trail, in the unit of work that serves it. */
export function auditExportDownload(ctx: TenantContext, row: TenantDataExportEntity): void {
  audit(ctx, {
    action: 'data.export_downloaded',
    resourceType: 'data_export',
    resourceId: row.id,
    details: { scope: row.scope },
  });
}

/**
 * Ends an archive's life: it reads as expired and its bytes are purged by a job enqueued with the
 * change (after its retention, or when an erasure makes the data it holds obsolete).
 */
export function expireExport(ctx: TenantContext, row: TenantDataExportEntity): void {
  row.status = 'expired';
  row.finishedAt = ctx.now;
  if (row.storageKey) ctx.enqueue('files.purge_object', { tenantId: ctx.tenantId, key: row.storageKey });
  publishExportProgress(ctx, row);
}

/** The expiry job: a ready archive past its retention is expired and purged. */
export async function expireDueExport(ctx: TenantContext, exportId: string): Promise<{ expired: boolean }> {
  const row = await ctx.em.findOne(TenantDataExport, { tenant: ctx.tenantId, id: exportId });
  if (row?.status !== 'ready' || !row.expiresAt || row.expiresAt > ctx.now) return { expired: false };
  expireExport(ctx, row);
  return { expired: true };
}

/**
 * What the member named by a download link may do now: a link outlives nothing — a member who was
 * removed, deactivated or lost data.export since it was handed out cannot use it.
 */
export async function downloaderOf(ctx: TenantContext, userId: string): Promise<Downloader> {
  const member = await ctx.em.findOne(TenantUser, { tenant: ctx.tenantId, user: userId }, { populate: ['user'] });
  if (!member?.isActive || !member.user.isActive) {
    throw new DomainError('FORBIDDEN', 'This download link belongs to someone who is no longer a member', {
      details: { reason: 'invalid_download_link' },
    });
  }
  return { userId, permissions: effectivePermissions(member.role, member.permissions) };
}
