import { DomainError } from '@digame/core/errors';
import {
  cancelDeletion,
  getOffboarding,
  listTenantDeletions,
  scheduleDeletion,
  scheduleDeletionSchema,
} from '@digame/core/offboarding';
import { z } from 'zod';
import { operatorProcedure, router } from '../trpc.js';
import { addressedTenantProcedure, isoDateTime, tenantAddress } from './admin-common.js';

const offboardingOutput = z.object({
  schedule: z
    .object({
      requestedAt: isoDateTime,
      requestedByOperator: z.boolean(),
      reason: z.string(),
      suspendAt: isoDateTime,
      deleteAt: isoDateTime,
      retentionDays: z.number().int(),
      noticeSentAt: isoDateTime.nullable(),
      finalNoticeSentAt: isoDateTime.nullable(),
      deleting: z.boolean(),
    })
    .nullable(),
  retentionDays: z.number().int(),
  confirmationText: z.string(),
});

/**
 * Deleting the organization is the admin's whole-tenant decision: it needs both tenant.update and
 * billing.manage (a denial of either takes it away), and a person's session — an API key never
 * deletes an organization. Operators may act on any tenant through the audited operator path.
 */
const deletionProcedure = addressedTenantProcedure('tenant.update').use(({ ctx, next }) => {
  if (!ctx.actorPermissions.has('billing.manage')) {
    throw new DomainError('FORBIDDEN', 'Missing permission: billing.manage', {
      details: { reason: 'missing_permission', permission: 'billing.manage' },
    });
  }
  if (ctx.principal.kind !== 'session') {
    throw new DomainError('FORBIDDEN', 'Only a signed-in admin can delete an organization, not an API key', {
      details: { reason: 'session_required' },
    });
  }
  return next({ ctx: { byOperator: ctx.target.id !== ctx.tenant.id } });
});

/**
 * The organization's deletion schedule. While scheduled, the organization is read-only: every
 * mutation but `offboarding.cancel`, the data export and a person's own security is refused.
 */
export const offboardingRouter = router({
  /** The schedule (or none), the retention a schedule would get, and what to type to confirm. */
  get: addressedTenantProcedure('tenant.read')
    .input(z.strictObject(tenantAddress).optional())
    .output(offboardingOutput)
    .query(({ ctx }) => ctx.run(getOffboarding)),

  /** Schedules the deletion after the tenant's retention period (general.deletionRetentionDays). */
  schedule: deletionProcedure
    .input(scheduleDeletionSchema.extend(tenantAddress))
    .output(offboardingOutput)
    .mutation(({ ctx, input: { tenantId: _address, ...request } }) =>
      ctx.run((sc) => scheduleDeletion(sc, request, { byOperator: ctx.byOperator })),
    ),

  /** Calls the deletion off until the worker has started it; the organization is as it was. */
  cancel: deletionProcedure
    .input(z.strictObject(tenantAddress).optional())
    .output(offboardingOutput)
    .mutation(({ ctx }) => ctx.run(cancelDeletion)),

  /** Operators: deleted organizations, newest first — ids, dates and counts, no personal data. */
  deletions: operatorProcedure
    .input(z.strictObject({ limit: z.number().int().min(1).max(100).default(25) }).optional())
    .output(
      z.array(
        z.object({
          tenantId: z.uuid(),
          subscriptionTier: z.string(),
          requestedByOperator: z.boolean(),
          requestedAt: isoDateTime,
          deleteAt: isoDateTime,
          startedAt: isoDateTime,
          completedAt: isoDateTime.nullable(),
          rowsDeleted: z.record(z.string(), z.number()),
          objectsDeleted: z.number().int(),
          redisKeysDeleted: z.number().int(),
        }),
      ),
    )
    .query(async ({ ctx, input }) =>
      (await listTenantDeletions(ctx.db, input?.limit ?? 25)).map((row) => ({
        tenantId: row.deletedTenantUuid,
        subscriptionTier: row.subscriptionTier,
        requestedByOperator: row.requestedByOperator,
        requestedAt: row.requestedAt,
        deleteAt: row.deleteAt,
        startedAt: row.startedAt,
        completedAt: row.completedAt ?? null,
        rowsDeleted: row.rowsDeleted,
        objectsDeleted: row.objectsDeleted,
        redisKeysDeleted: row.redisKeysDeleted,
      })),
    ),
});
