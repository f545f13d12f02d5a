import { createHash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import { DomainError } from '../errors/domain-error.js';
import type { TenantContext } from '../services/context.js';
import { abandonUpload, completeUpload, type FileView, reserveUpload, type UploadRequest } from './file.service.js';
import { type ObjectStore, SizeMismatchError } from './object-store.js';

/** Runs a service in a fresh unit of work of the uploading tenant. */
export type TenantRunner = <T>(service: (ctx: TenantContext) => Promise<T>) => Promise<T>;

/**
 * A whole upload in three steps, each its own transaction where one is needed: reserve the
 * declared size against the quota (refused before anything is stored), stream the bytes into the
 * object store while hashing them, then mark the file stored. If streaming fails, the reservation
 * is released and any partial object removed; if the process dies instead, the storage
 * measurement releases the reservation later (see releaseAbandonedUploads).
 */
export async function uploadFile(
  runInTenant: TenantRunner,
  store: ObjectStore,
  request: UploadRequest,
  body: Readable,
): Promise<FileView> {
  const file = await runInTenant((ctx) => reserveUpload(ctx, request));
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  body.once('error', (error) => hashing.destroy(error));
  try {
    await store.put(file.storageKey, body.pipe(hashing), file.sizeBytes);
  } catch (error) {
    await runInTenant((ctx) => abandonUpload(ctx, file.id));
    await store.delete(file.storageKey).catch(() => undefined);
    if (error instanceof SizeMismatchError) {
      throw new DomainError('BAD_REQUEST', `The upload must be exactly the declared ${error.declared} bytes`, {
        fields: { sizeBytes: `the body did not hold exactly ${error.declared} bytes` },
      });
    }
    throw error;
  }
  return runInTenant((ctx) => completeUpload(ctx, file.id, hash.digest('hex')));
}
