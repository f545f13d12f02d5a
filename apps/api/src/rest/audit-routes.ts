import { Readable } from 'node:stream';
import { exportAuditLog } from '@digame/core/audit';
import { featureNotAvailable } from '@digame/core/features';
import { Hono } from 'hono';
import type { ApiDeps } from '../trpc/context.js';
import { auditExportInput, auditFilter } from '../trpc/routers/audit.js';
import type { RestEnv } from './rest-api.js';
import { failure, missingPermission, tenantCallerOf } from './tenant-caller.js';

const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', json: 'application/json; charset=utf-8' } as const;

/**
 * GET /api/audit/export?format=csv|json[&from&to&action&actorUserId&resourceType&resourceId]: the
 * filtered range of the caller's audit trail as a download, streamed a page at a time in chain
 * order with each entry's seq, prevHash and hash, so the recipient can check the links. Needs
 * audit.read and the audit_logs feature, like the list.
 */
export function createAuditRoutes(deps: ApiDeps): Hono<RestEnv> {
  const api = new Hono<RestEnv>();
  const tenantCaller = tenantCallerOf(deps);

  api.get('/audit/export', async (c) => {
    try {
      const { principal, tenant, runner } = await tenantCaller(c);
      if (!principal.permissions.has('audit.read')) throw missingPermission('audit.read');
      if (tenant.features.audit_logs !== true) throw featureNotAvailable('audit_logs');
      const { format, ...filters } = auditExportInput.parse(c.req.query());
      const stream = exportAuditLog(runner, auditFilter(filters), format);
      const day = new Date().toISOString().slice(0, 10);
      return c.body(Readable.toWeb(stream) as ReadableStream, 200, {
        'Content-Type': CONTENT_TYPES[format],
        'Content-Disposition': `attachment; filename="audit-${day}.${format}"`,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      });
    } catch (error) {
      return failure(c, error);
    }
  });

  return api;
}
