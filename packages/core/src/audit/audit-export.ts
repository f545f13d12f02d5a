import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { TenantRunner } from '../files/upload.js';
import { TenantAuditLog } from './audit-log.entity.js';
import { type AuditQuery, actorEmails, auditWhere, toView } from './audit-query.js';

export const AUDIT_EXPORT_FORMATS = ['csv', 'json'] as const;
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

/** One exported entry: the view plus its chain fields, so a recipient can check the links. */
export interface AuditExportRow {
  seq: number;
  id: string;
  createdAt: string;
  action: string;
  actorUserId: string | null;
  actorEmail: string | null;
  resourceType: string | null;
  resourceId: string | null;
  details: Record<string, unknown>;
  ipAddress: string | null;
  userAgent: string | null;
  prevHash: string | null;
  hash: string | null;
}

const COLUMNS = [
  'seq',
  'id',
  'createdAt',
  'action',
  'actorUserId',
  'actorEmail',
  'resourceType',
  'resourceId',
  'details',
  'ipAddress',
  'userAgent',
  'prevHash',
  'hash',
] as const satisfies readonly (keyof AuditExportRow)[];

const PAGE = 500;

/**
 * The matching entries in chain order, a page per unit of work: a long download never holds a
 * transaction (or a pooled connection) open while the client reads slowly.
 */
async function* exportRows(runner: TenantRunner, query: Omit<AuditQuery, 'limit' | 'cursor'>) {
  let afterSeq = 0;
  for (;;) {
    const page = await runner(async (ctx) => {
      const rows = await ctx.em.find(
        TenantAuditLog,
        { ...auditWhere(ctx, query), seq: { $gt: afterSeq } },
        { orderBy: { seq: 'asc' }, limit: PAGE },
      );
      const emails = await actorEmails(ctx.em, rows);
      return rows.map((entry): AuditExportRow => {
        const view = toView(entry, emails);
        return {
          seq: entry.seq ?? 0,
          ...view,
          createdAt: view.createdAt.toISOString(),
          prevHash: entry.prevHash ?? null,
          hash: entry.hash ?? null,
        };
      });
    });
    yield* page;
    const last = page.at(-1);
    if (!last || page.length < PAGE) return;
    afterSeq = last.seq;
  }
}

async function* jsonArray(rows: AsyncIterable<AuditExportRow>) {
  let first = true;
  yield '[';
  for await (const row of rows) {
    yield `${first ? '' : ','}\n${JSON.stringify(row)}`;
    first = false;
  }
  yield '\n]\n';
}

/**
 * The filtered range of the tenant's trail as a stream of CSV (csv-stringify, one row per entry,
 * `details` as JSON) or of one JSON array, in chain order.
 */
export function exportAuditLog(
  runner: TenantRunner,
  query: Omit<AuditQuery, 'limit' | 'cursor'>,
  format: AuditExportFormat,
): Readable {
  const rows = exportRows(runner, query);
  if (format === 'json') return Readable.from(jsonArray(rows));
  const csv = stringify({
    header: true,
    columns: [...COLUMNS],
    cast: { object: (value) => JSON.stringify(value) },
  });
  pipeline(Readable.from(rows), csv).catch((error: unknown) =>
    csv.destroy(error instanceof Error ? error : new Error(String(error))),
  );
  return csv;
}
