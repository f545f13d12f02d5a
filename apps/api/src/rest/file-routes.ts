import { Readable } from 'node:stream';
import { DomainError } from '@digame/core/errors';
import { featureNotAvailable } from '@digame/core/features';
import { currentLogo, type FileView, fileForDownload, type TenantFileEntity, uploadFile } from '@digame/core/files';
import { offboardingRefusal } from '@digame/core/offboarding';
import { tenantContext } from '@digame/core/services';
import { tenantIdByUuid } from '@digame/core/tenants';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../trpc/context.js';
import type { RestEnv } from './rest-api.js';
import { declaredLength, failure, lengthRequired, missingPermission, tenantCallerOf } from './tenant-caller.js';

/** One object per request: S3's single PUT takes at most 5 GiB. */
export const MAX_UPLOAD_BYTES = 5 * 1024 ** 3;

const fileId = z.uuid();

export function contentDisposition(name: string): string {
  // The ASCII fallback keeps only safe characters; filename* carries the real name (RFC 6266).
  const fallback = name.replace(/[^A-Za-z0-9._ -]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Headers that keep a stored file from ever running as a page of this origin. */
function fileHeaders(file: TenantFileEntity, disposition: 'attachment' | 'inline'): Record<string, string> {
  return {
    'Content-Type': file.contentType,
    'Content-Length': String(file.sizeBytes),
    'Content-Disposition': disposition === 'attachment' ? contentDisposition(file.name) : 'inline',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    ...(file.sha256 ? { ETag: `"${file.sha256}"` } : {}),
  };
}

/**
 * The byte streams of tenant files, beside the REST mirror under /api: upload, download, and the
 * public branding logo. Metadata (list, get, delete, quota) is the tRPC `files` router. Requests
 * are authenticated exactly like every other call (same credential check, rate limit and count);
 * the tenant comes only from the credential, and a file is looked up inside that tenant's unit of
 * work, so another tenant's id, key or path names nothing.
 */
export function createFileRoutes(deps: ApiDeps): Hono<RestEnv> {
  const api = new Hono<RestEnv>();
  const tenantCaller = tenantCallerOf(deps);
  const store = deps.services.files;

  /**
   * POST /api/files?name=report.pdf[&purpose=logo] with the raw bytes as the body. Content-Length
   * is required: the declared size is reserved against the storage quota before a byte is stored.
   */
  api.post('/files', async (c) => {
    try {
      const { principal, tenant, runner } = await tenantCaller(c);
      const readOnly = offboardingRefusal(tenant);
      if (readOnly) throw readOnly;
      const purpose = c.req.query('purpose') ?? 'upload';
      if (purpose === 'logo') {
        if (!principal.permissions.has('tenant.update')) throw missingPermission('tenant.update');
        if (tenant.features.custom_branding !== true) throw featureNotAvailable('custom_branding');
      } else if (!principal.permissions.has('files.manage')) throw missingPermission('files.manage');
      const sizeBytes = declaredLength(c);
      if (sizeBytes === null) return lengthRequired(c, 'file');
      if (sizeBytes > MAX_UPLOAD_BYTES) {
        throw new DomainError('PAYLOAD_TOO_LARGE', `A file may hold at most ${MAX_UPLOAD_BYTES} bytes`, {
          details: { reason: 'file_too_large', maxBytes: MAX_UPLOAD_BYTES },
        });
      }
      const body = c.req.raw.body ? Readable.fromWeb(c.req.raw.body as never) : Readable.from([]);
      const file: FileView = await uploadFile(
        runner,
        store,
        {
          name: c.req.query('name') ?? '',
          contentType: c.req.header('content-type') ?? undefined,
          sizeBytes,
          purpose: purpose as 'upload' | 'logo',
        },
        body,
      );
      return c.json(
        { ...file, createdAt: file.createdAt.toISOString(), storedAt: file.storedAt?.toISOString() ?? null },
        201,
      );
    } catch (error) {
      return failure(c, error);
    }
  });

  /** GET /api/files/{id}/content: the stored bytes, as an attachment. */
  api.get('/files/:id/content', async (c) => {
    try {
      const { principal, runner } = await tenantCaller(c);
      if (!principal.permissions.has('files.read')) throw missingPermission('files.read');
      const file = await runner((ctx) => fileForDownload(ctx, c.req.param('id')));
      const bytes = await store.get(file.storageKey);
      return c.body(Readable.toWeb(bytes) as ReadableStream, 200, fileHeaders(file, 'attachment'));
    } catch (error) {
      return failure(c, error);
    }
  });

  /**
   * GET /api/branding/{tenant uuid}/logo: the tenant's current logo, without a credential, because
   * it appears in emails and on sign-in pages. Only the file the tenant chose as its logo is served.
   */
  api.get('/branding/:tenant/logo', async (c) => {
    try {
      const notFound = new DomainError('NOT_FOUND', 'Logo not found');
      const uuid = fileId.safeParse(c.req.param('tenant'));
      if (!uuid.success) throw notFound;
      const tenantId = await deps.db.inGlobal((em) => tenantIdByUuid(em, uuid.data));
      if (tenantId === null) throw notFound;
      const file = await deps.db.inTenant(tenantId, (em) =>
        currentLogo(tenantContext(em, tenantId, { userId: null }, deps.services)),
      );
      if (!file) throw notFound;
      const bytes = await store.get(file.storageKey);
      return c.body(Readable.toWeb(bytes) as ReadableStream, 200, {
        ...fileHeaders(file, 'inline'),
        'Cache-Control': 'public, max-age=300',
      });
    } catch (error) {
      return failure(c, error);
    }
  });

  return api;
}
