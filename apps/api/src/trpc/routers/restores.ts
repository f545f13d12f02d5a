import { DomainError } from '@digame/core/errors';
import { restoreStatus } from '@digame/core/restore';
import { z } from 'zod';
import { operatorProcedure, router } from '../trpc.js';

/**
 * Restores of export archives into new organizations: platform operators only. The archive goes
 * up over plain HTTP (`POST /api/restores`, raw body); this follows the restore it started.
 */
export const restoresRouter = router({
  get: operatorProcedure
    .input(z.strictObject({ restoreId: z.uuid('must be a restore id') }))
    .output(
      z.object({
        restoreId: z.string(),
        state: z.enum(['queued', 'running', 'done', 'failed']),
        progress: z.number().min(0).max(1),
        error: z.string().nullable(),
        tenant: z.object({ uuid: z.string(), slug: z.string(), name: z.string() }).nullable(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const status = await restoreStatus(ctx.jobs, input.restoreId);
      if (!status) throw new DomainError('NOT_FOUND', 'Restore not found');
      return status;
    }),
});
