import { DomainError } from '@digame/core/errors';
import { restoreStatus, stageRestore, storedExportArchive } from '@digame/core/restore';
import { z } from 'zod';
import { operatorProcedure, router } from '../trpc.js';
import { resolveTenant } from './admin-common.js';

/**
 * Restores of export archives into new organizations: platform operators only (see
 * docs/data-lifecycle.md for why). The archive goes up over plain HTTP (`POST /api/restores`, raw
 * body), or is a ready export stored on this deployment (`fromExport`); `get` follows either.
 */
export const restoresRouter = router({
  /** Restores a ready tenant export of this deployment into a new organization (the original stays). */
  fromExport: operatorProcedure
    .input(z.strictObject({ tenantId: z.uuid('must be a tenant id (uuid)'), exportId: z.uuid('must be an export id') }))
    .output(z.object({ restoreId: z.string(), state: z.literal('queued') }))
    .mutation(async ({ ctx, input }) => {
      const operator = ctx.principal.userId;
      if (!operator) {
        throw new DomainError('FORBIDDEN', 'Restoring needs a signed-in operator', {
          details: { reason: 'session_required' },
        });
      }
      const tenantId = await resolveTenant(ctx, input.tenantId);
      const archive = await ctx.runAsOperator(tenantId, 'restore from a stored export', (sc) =>
        storedExportArchive(sc, input.exportId),
      );
      const { restoreId } = await stageRestore(ctx, {
        body: await ctx.services.files.get(archive.storageKey),
        sizeBytes: archive.sizeBytes,
        actor: { userId: operator, ipAddress: ctx.ipAddress },
      });
      return { restoreId, state: 'queued' as const };
    }),

  get: operatorProcedure
    .input(z.strictObject({ restoreId: z.uuid('must be a restore id') }))
    .output(
      z.object({
        restoreId: z.string(),
        state: z.enum(['queued', 'running', 'done', 'failed']),
        progress: z.number().min(0).max(1),
        error: z.string().nullable(),
        tenant: z
          .object({ uuid: z.string(), slug: z.string(), name: z.string(), droppedDomain: z.string().nullable() })
          .nullable(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const status = await restoreStatus(ctx.jobs, input.restoreId);
      if (!status) throw new DomainError('NOT_FOUND', 'Restore not found');
      return status;
    }),
});
