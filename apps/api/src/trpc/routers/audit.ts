import { queryAuditLog, verifyAuditChain } from '@digame/core/audit';
import { z } from 'zod';
import { can, requireFeature, router } from '../trpc.js';
import { isoDateTime, pageLimit } from './admin-common.js';

const entryOutput = z.object({
  id: z.uuid(),
  action: z.string(),
  actorUserId: z.string().nullable(),
  actorEmail: z.string().nullable(),
  resourceType: z.string().nullable(),
  resourceId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  ipAddress: z.string().nullable(),
  userAgent: z.string().nullable(),
  createdAt: isoDateTime,
});

/** The filters of the list and the export: who, what, and a time range. */
export const auditFilterInput = z.strictObject({
  actorUserId: z.uuid().optional(),
  action: z
    .string()
    .max(100)
    .regex(/^[a-z_]+(\.[a-z_]+|\.\*)?$/, 'must be an action such as member.role_changed, or member.*')
    .optional(),
  resourceType: z.string().max(50).optional(),
  resourceId: z.string().max(100).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

const rangeInOrder = <T extends { from?: string; to?: string }>(schema: z.ZodType<T>) =>
  schema.refine((query) => !query.from || !query.to || new Date(query.from) < new Date(query.to), {
    message: 'must be after from',
    path: ['to'],
  });

/** The filters as core reads them. */
export const auditFilter = <T extends z.infer<typeof auditFilterInput>>(input: T) => ({
  ...input,
  from: input.from ? new Date(input.from) : undefined,
  to: input.to ? new Date(input.to) : undefined,
});

export const auditExportInput = rangeInOrder(
  auditFilterInput.extend({ format: z.enum(['csv', 'json'], 'must be csv or json').default('csv') }),
);

const chainBreak = z.enum(['entry_modified', 'link_broken', 'entries_missing_at_end']);

export const auditRouter = router({
  /** The audit trail, newest first, with filters and a cursor (needs the audit_logs feature). */
  list: requireFeature(can('audit.read'), 'audit_logs')
    .input(
      rangeInOrder(
        auditFilterInput.extend({
          cursor: z.uuid('must be a cursor from a previous page').optional(),
          limit: pageLimit,
        }),
      ),
    )
    .output(z.object({ items: z.array(entryOutput), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => ctx.run((sc) => queryAuditLog(sc, auditFilter(input)))),

  /**
   * Checks the tenant's hash chain from the retention cut to its newest entry and names the first
   * entry where it breaks (changed, removed or moved entries).
   */
  verify: requireFeature(can('audit.read'), 'audit_logs')
    .input(z.strictObject({}).optional())
    .output(
      z.object({
        valid: z.boolean(),
        entriesChecked: z.number().int(),
        cut: z.object({ seq: z.number().int(), hash: z.string().nullable(), at: isoDateTime.nullable() }),
        head: z.object({ seq: z.number().int(), hash: z.string().nullable() }),
        firstBreak: z.object({ seq: z.number().int(), entryId: z.string().nullable(), problem: chainBreak }).nullable(),
      }),
    )
    .query(({ ctx }) => ctx.run((sc) => verifyAuditChain(sc))),
});
