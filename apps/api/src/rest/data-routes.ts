import { Readable } from 'node:stream';
import { auditExportDownload, downloaderOf, exportForDownload, verifyDownloadToken } from '@digame/core/data-rights';
import { DomainError } from '@digame/core/errors';
import { tenantContext } from '@digame/core/services';
import { Hono } from 'hono';
import type { ApiDeps } from '../trpc/context.js';
import { contentDisposition } from './file-routes.js';
import type { RestEnv } from './rest-api.js';
import { failure, tenantCallerOf } from './tenant-caller.js';

/**
 * GET /api/data/exports/{id}/archive?token=…: an export archive, for the short-lived signed link
 * `data.downloadLink` hands out (a browser download or a link followed from the console cannot
 * carry a bearer token). The link names its tenant, export and member; at use the member must
 * still be allowed to download it. A credential sent along must be of the link's tenant.
 */
export function createDataRoutes(deps: ApiDeps): Hono<RestEnv> {
  const api = new Hono<RestEnv>();
  const tenantCaller = tenantCallerOf(deps);
  const store = deps.services.files;

  api.get('/data/exports/:id/archive', async (c) => {
    try {
      const claims = verifyDownloadToken(deps.config.JWT_SECRET, c.req.query('token') ?? '', Date.now());
      const notFound = new DomainError('NOT_FOUND', 'Export not found');
      if (claims.exportId !== c.req.param('id').toLowerCase()) throw notFound;
      if (c.req.header('authorization')) {
        const { tenant } = await tenantCaller(c);
        if (tenant.id !== claims.tenantId) throw notFound;
      }
      const actor = { userId: claims.userId, ipAddress: c.get('ipAddress'), userAgent: c.req.header('user-agent') };
      const archive = await deps.db.inTenant(claims.tenantId, async (em) => {
        const ctx = tenantContext(em, claims.tenantId, actor, deps.services);
        const row = await exportForDownload(ctx, await downloaderOf(ctx, claims.userId), claims.exportId);
        auditExportDownload(ctx, row);
        return row;
      });
      const bytes = await store.get(archive.storageKey);
      return c.body(Readable.toWeb(bytes) as ReadableStream, 200, {
        'Content-Type': 'application/gzip',
        'Content-Length': String(archive.sizeBytes),
        'Content-Disposition': contentDisposition(archive.fileName ?? `${archive.id}.tar.gz`),
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
        // The token is in the address: never hand it on to another site.
        'Referrer-Policy': 'no-referrer',
        ...(archive.sha256 ? { ETag: `"${archive.sha256}"`, 'X-Archive-Sha256': archive.sha256 } : {}),
      });
    } catch (error) {
      return failure(c, error);
    }
  });

  return api;
}
