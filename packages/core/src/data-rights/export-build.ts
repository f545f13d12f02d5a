import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LockMode } from '@mikro-orm/core';
import { audit } from '../audit/audit.js';
import type { Database } from '../db/database.js';
import { migrationsList } from '../db/migrations/index.js';
import { PermanentJobError } from '../jobs/errors.js';
import { inJobTenant } from '../jobs/tenant-job.js';
import type { ServiceDeps, TenantContext } from '../services/context.js';
import { User } from '../users/user.entity.js';
import { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, type ArchiveManifest } from './archive-format.js';
import { dumpTables, writeArchive } from './archive-writer.js';
import { TenantDataExport, type TenantDataExportEntity } from './data-rights.entity.js';
import { ARCHIVE_RETENTION_DAYS, exportArchiveKey, publishExportProgress } from './export.service.js';

export interface ExportBuildDeps {
  db: Database;
  services: ServiceDeps;
}

/** Share of the progress bar each phase fills: reading the tables, writing the archive, storing it. */
const DUMPED = 0.4;
const WRITTEN = 0.95;
/** Progress events at most this often (phase ends are always told). */
const PROGRESS_EVERY_MS = 250;
const DAY_MS = 86_400_000;

const archiveTimestamp = (at: Date) => at.toISOString().replace(/[-:]/g, '').slice(0, 15);

async function lockedExport(ctx: TenantContext, exportId: string): Promise<TenantDataExportEntity | null> {
  return ctx.em.findOne(
    TenantDataExport,
    { tenant: ctx.tenantId, id: exportId },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
}

/** The member the ready mail goes to, if they are still one. */
async function memberEmail(ctx: TenantContext, userId: string | null | undefined): Promise<string | null> {
  if (!userId) return null;
  const user = await ctx.em.findOne(User, { id: userId }, { fields: ['email', 'isActive'] });
  return user?.isActive ? user.email : null;
}

/**
 * Builds one export archive (the `data.export_build` job). The rows come from one snapshot of the
 * tenant, read as the app role inside the tenant's unit of work, so nothing of another tenant can
 * be in it; the archive is written to a temporary folder by streaming (never whole in memory),
 * then stored under the tenant's prefix. The status and progress are kept on the row and told live;
 * a rerun after a crash starts afresh. If an erasure or expiry ended the export meanwhile, the
 * finished archive is thrown away instead of offered.
 */
export async function buildExport(
  deps: ExportBuildDeps,
  payload: { tenantId: number; exportId: string },
  options: { finalAttempt: boolean },
): Promise<{ status: 'ready' | 'skipped' | 'discarded'; sizeBytes?: number }> {
  const { tenantId, exportId } = payload;
  const claim = await inJobTenant(deps, tenantId, async (ctx, tenant) => {
    const row = await lockedExport(ctx, exportId);
    if (!row) throw new PermanentJobError('unknown export');
    if (row.status !== 'queued' && row.status !== 'building') return null;
    const subjectEmail = row.scope === 'personal' ? await memberEmail(ctx, row.subjectUserId) : null;
    if (row.scope === 'personal' && !subjectEmail) return 'subject_gone' as const;
    row.status = 'building';
    row.progress = 0;
    row.startedAt = ctx.now;
    row.error = null;
    publishExportProgress(ctx, row);
    return {
      scope: row.scope,
      subjectUserId: row.subjectUserId ?? null,
      subjectEmail,
      createdAt: ctx.now,
      tenant: { id: tenant.id, uuid: tenant.tenantUuid, slug: tenant.slug, name: tenant.name },
    };
  });
  if (!claim) return { status: 'skipped' };
  if (claim === 'subject_gone') {
    // A personal export of someone who left (or was erased) before it was built: nothing to build.
    await markFailed(deps, tenantId, exportId);
    throw new PermanentJobError('the export’s member is gone');
  }

  let told = { at: 0, progress: 0 };
  const report = async (progress: number, force = false) => {
    if (!force && Date.now() - told.at < PROGRESS_EVERY_MS) return;
    told = { at: Date.now(), progress };
    await inJobTenant(deps, tenantId, async (ctx) => {
      const row = await ctx.em.findOne(TenantDataExport, { tenant: tenantId, id: exportId });
      if (row?.status !== 'building' || row.progress >= progress) return;
      row.progress = Math.round(progress * 1000) / 1000;
      publishExportProgress(ctx, row);
    });
  };

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'digame-export-'));
  const key = exportArchiveKey(tenantId, exportId);
  try {
    const { tables, files } = await deps.db.inTenant(
      tenantId,
      async (em) => {
        if (claim.scope === 'personal') {
          await em.execute(
            "select set_config('app.export_subject', ?, true), set_config('app.export_email', ?, true)",
            [claim.subjectUserId, claim.subjectEmail],
          );
        }
        return dumpTables(em, claim.scope, dir, (done, total) => report((DUMPED * done) / total, done === total));
      },
      { snapshot: true },
    );
    const manifest: ArchiveManifest = {
      format: ARCHIVE_FORMAT,
      formatVersion: ARCHIVE_FORMAT_VERSION,
      scope: claim.scope,
      exportId,
      createdAt: claim.createdAt.toISOString(),
      schemaVersion: migrationsList.at(-1)?.name ?? 'unknown',
      tenant: claim.tenant,
      subject: claim.subjectUserId ? { userId: claim.subjectUserId } : null,
      entries: [...tables, ...files.map(({ storageKey: _key, ...entry }) => entry)],
    };
    const totalBytes = manifest.entries.reduce((sum, entry) => sum + entry.bytes, 0) || 1;
    let writtenBytes = 0;
    const archivePath = path.join(dir, 'archive.tar.gz');
    const archive = await writeArchive(archivePath, manifest, dir, files, deps.services.files, async (bytes) => {
      writtenBytes += bytes;
      await report(DUMPED + ((WRITTEN - DUMPED) * writtenBytes) / totalBytes, writtenBytes >= totalBytes);
    });
    // Not reserved against the storage quota (which counts tenant_files only): the archive copies
    // bytes the quota already counts, and a tenant at its limit must still be able to take its data
    // out. It lives for ARCHIVE_RETENTION_DAYS under the tenant's prefix, so offboarding purges it too.
    await deps.services.files.put(key, createReadStream(archivePath), archive.bytes);

    const offered = await inJobTenant(deps, tenantId, async (ctx) => {
      const row = await lockedExport(ctx, exportId);
      if (row?.status !== 'building') return false;
      const prefix = claim.scope === 'personal' ? 'digame-personal' : 'digame-export';
      Object.assign(row, {
        status: 'ready',
        progress: 1,
        sizeBytes: archive.bytes,
        sha256: archive.sha256,
        storageKey: key,
        fileName: `${prefix}-${claim.tenant.slug}-${archiveTimestamp(claim.createdAt)}.tar.gz`,
        readyAt: ctx.now,
        expiresAt: new Date(ctx.now.getTime() + ARCHIVE_RETENTION_DAYS * DAY_MS),
      });
      await announceReady(ctx, row, claim.tenant.name);
      return true;
    });
    if (!offered) {
      await deps.services.files.delete(key);
      return { status: 'discarded' };
    }
    return { status: 'ready', sizeBytes: archive.bytes };
  } catch (error) {
    if (options.finalAttempt || error instanceof PermanentJobError) await markFailed(deps, tenantId, exportId);
    throw error;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** The ready export's mail (to whoever asked, or the subject), its expiry job, the trail and the live event. */
async function announceReady(ctx: TenantContext, row: TenantDataExportEntity, tenantName: string): Promise<void> {
  const recipient = await memberEmail(ctx, row.scope === 'personal' ? row.subjectUserId : row.requestedByUserId);
  const expiresAt = row.expiresAt as Date;
  if (recipient) {
    const page = new URL('/data-privacy', ctx.deps.appUrl);
    page.searchParams.set('export', row.id);
    ctx.enqueue('email.send', {
      tenantId: ctx.tenantId,
      to: recipient,
      dedupeKey: `data-export-ready:${row.id}`,
      template: 'data_export_ready',
      data: {
        tenantName,
        scope: row.scope,
        downloadPageUrl: page.toString(),
        expiresAt: `${expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      },
    });
  }
  ctx.enqueue(
    'data.export_expire',
    { tenantId: ctx.tenantId, exportId: row.id },
    { jobId: `data.export_expire:${row.id}`, delayMs: expiresAt.getTime() - ctx.now.getTime() },
  );
  audit(ctx, {
    action: 'data.export_ready',
    resourceType: 'data_export',
    resourceId: row.id,
    details: { scope: row.scope, sizeBytes: row.sizeBytes, sha256: row.sha256 },
  });
  publishExportProgress(ctx, row);
}

async function markFailed(deps: ExportBuildDeps, tenantId: number, exportId: string): Promise<void> {
  await inJobTenant(deps, tenantId, async (ctx) => {
    const row = await lockedExport(ctx, exportId);
    if (!row || (row.status !== 'building' && row.status !== 'queued')) return;
    row.status = 'failed';
    row.finishedAt = ctx.now;
    row.error = 'The archive could not be built. Request a new export; if it fails again, contact support.';
    publishExportProgress(ctx, row);
  });
}
