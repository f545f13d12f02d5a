import { queryAuditLog } from '@digame/core/audit';
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

export const auditRouter = router({
  /** The audit trail, newest first, with filters and a cursor (needs the audit_logs feature). */
  list: requireFeature(can('audit.read'), 'audit_logs')
    .input(
      z
        .strictObject({
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
          cursor: z.uuid('must be a cursor from a previous page').optional(),
          limit: pageLimit,
        })
        .refine((query) => !query.from || !query.to || new Date(query.from) < new Date(query.to), {
          message: 'must be after from',
          path: ['to'],
        }),
    )
    .output(z.object({ items: z.array(entryOutput), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) =>
      ctx.run((sc) =>
        queryAuditLog(sc, {
          ...input,
          from: input.from ? new Date(input.from) : undefined,
          to: input.to ? new Date(input.to) : undefined,
        }),
      ),
    ),
});
