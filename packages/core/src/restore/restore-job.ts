import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { readExportArchive } from '../data-rights/archive-reader.js';
import { TenantDataExport } from '../data-rights/data-rights.entity.js';
import type { Actor } from '../db/database.js';
import { uuidv7 } from '../db/ids.js';
import { DomainError } from '../errors/domain-error.js';
import { SizeMismatchError } from '../files/object-store.js';
import type { JOBS } from '../jobs/definitions.js';
import { PermanentJobError } from '../jobs/errors.js';
import type { JobQueues } from '../jobs/queues.js';
import type { TenantContext } from '../services/context.js';
import { enqueueAfterCommit } from '../services/effects.js';
import { type RestoreDeps, type RestoredTenant, restoreTenant } from './restore.service.js';
import { personalArchive, refused } from './restore-plan.js';

/** An archive is one object in the store; S3's single PUT takes at most 5 GiB. */
export const MAX_RESTORE_ARCHIVE_BYTES = 5 * 1024 ** 3;

/** Where an uploaded archive waits for its restore: outside every tenant's prefix, as it belongs to none yet. */
export const restoreArchiveKey = (restoreId: string) => `restores/${restoreId.toLowerCase()}/archive`;

export type RestoreJobPayload = z.output<(typeof JOBS)['data.restore']['payload']>;

/** BullMQ's id of a restore's job, which is also where its status and progress are kept. */
export const restoreJobId = (restoreId: string) => `data.restore-${restoreId}`;

/**
 * Takes an uploaded archive (streamed, exactly `sizeBytes` long) for a restore: it is stored under
 * the restore's key, read back and verified in full (format version, every entry's size and
 * SHA-256), and only then is the restore job enqueued — through the global outbox, so it runs even
 * if this process dies next. A damaged or truncated archive is refused here (BAD_REQUEST naming
 * what is wrong) and nothing of it is kept.
 */
export async function stageRestore(
  deps: RestoreDeps,
  upload: { body: Readable; sizeBytes: number; actor: Actor & { userId: string } },
): Promise<{ restoreId: string }> {
  const restoreId = uuidv7();
  const key = restoreArchiveKey(restoreId);
  const store = deps.services.files;
  try {
    await store.put(key, upload.body, upload.sizeBytes);
    const manifest = await readExportArchive(await store.get(key));
    if (manifest.scope !== 'tenant') throw personalArchive();
  } catch (error) {
    await store.delete(key).catch(() => undefined);
    if (error instanceof SizeMismatchError) {
      throw refused(`the upload did not hold exactly the declared ${error.declared} bytes`);
    }
    throw error;
  }
  await deps.db.inGlobal(async (em) => {
    enqueueAfterCommit(
      em,
      deps.services,
      'data.restore',
      {
        restoreId,
        sizeBytes: upload.sizeBytes,
        operatorUserId: upload.actor.userId,
        ipAddress: upload.actor.ipAddress ?? null,
      },
      { jobId: restoreJobId(restoreId) },
    );
  });
  return { restoreId };
}

/**
 * A ready tenant export of this deployment, as the source of a restore (the operator then needs no
 * download and upload): read in the exported tenant's unit of work, which the caller opens as the
 * audited operator path. Personal, expired and unfinished exports name nothing.
 */
export async function storedExportArchive(
  ctx: TenantContext,
  exportId: string,
): Promise<{ storageKey: string; sizeBytes: number }> {
  const row = await ctx.em.findOne(TenantDataExport, {
    tenant: ctx.tenantId,
    id: exportId,
    scope: 'tenant',
    status: 'ready',
  });
  if (!row?.storageKey || !row.sizeBytes || (row.expiresAt && row.expiresAt <= ctx.now)) {
    throw new DomainError('NOT_FOUND', 'Export not found, or not ready');
  }
  return { storageKey: row.storageKey, sizeBytes: row.sizeBytes };
}

/**
 * The `data.restore` job. An archive that cannot be restored fails the job for good with the
 * reason (it was verified at upload, so this means it changed since, or the schema did); other
 * failures are retried, each attempt starting clean. The staged archive is removed once the
 * restore is done or has failed for good.
 */
export async function runRestoreJob(
  deps: RestoreDeps,
  payload: RestoreJobPayload,
  options: { finalAttempt: boolean; onProgress: (progress: number) => Promise<void> },
): Promise<Omit<RestoredTenant, 'ids'>> {
  const key = restoreArchiveKey(payload.restoreId);
  const store = deps.services.files;
  const sizeBytes = payload.sizeBytes;
  try {
    const { ids: _ids, ...restored } = await restoreTenant(deps, {
      restoreId: payload.restoreId,
      open: () => store.get(key),
      sizeBytes,
      actor: { userId: payload.operatorUserId, ipAddress: payload.ipAddress },
      onProgress: options.onProgress,
    });
    await store.delete(key);
    return restored;
  } catch (error) {
    const permanent = error instanceof DomainError;
    if (permanent || options.finalAttempt) await store.delete(key).catch(() => undefined);
    if (permanent) throw new PermanentJobError(error.message);
    throw error;
  }
}

export type RestoreState = 'queued' | 'running' | 'done' | 'failed';

export interface RestoreStatus {
  restoreId: string;
  state: RestoreState;
  progress: number;
  /** Why it failed, in words fit for the operator (a refusal's reason; never internals). */
  error: string | null;
  /** The new organization once done; `droppedDomain` is the archive's domain when another organization here had it. */
  tenant: { uuid: string; slug: string; name: string; droppedDomain: string | null } | null;
}

/** A restore's state, read from its job; null when there is no such restore (or it is long gone). */
export async function restoreStatus(jobs: JobQueues, restoreId: string): Promise<RestoreStatus | null> {
  let job = await jobs.queue('lifecycle').getJob(restoreJobId(restoreId));
  if (job?.name !== 'data.restore') return null;
  const state = await job.getState();
  // The job was read before its state: one that completed in between has no return value in that
  // read yet, so it is read again (a completed job's value is final).
  if (state === 'completed' && job.returnvalue == null) job = await jobs.queue('lifecycle').getJob(job.id ?? '');
  const progress = typeof job?.progress === 'number' ? job.progress : 0;
  const value = job?.returnvalue as Omit<RestoredTenant, 'ids'> | null | undefined;
  if (state === 'completed' && value) {
    return {
      restoreId,
      state: 'done',
      progress: 1,
      error: null,
      tenant: {
        uuid: value.tenantUuid,
        slug: value.slug,
        name: value.name,
        droppedDomain: value.droppedDomain ?? null,
      },
    };
  }
  if (state === 'failed') {
    const reason = job?.failedReason ?? '';
    const told = reason.startsWith('The archive ')
      ? reason
      : 'The restore failed; nothing of it was kept. See the worker’s log.';
    return { restoreId, state: 'failed', progress, error: told, tenant: null };
  }
  const under = state === 'active' || state === 'completed';
  return { restoreId, state: under ? 'running' : 'queued', progress, error: null, tenant: null };
}
