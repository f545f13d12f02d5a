import { getUsage, redisApiCallCounters } from '@digame/core/usage';
import { z } from 'zod';
import { router } from '../trpc.js';
import { addressedTenantProcedure, isoDateTime, tenantAddress } from './admin-common.js';

const percent = z.number().describe('Share of the limit used, in percent (one decimal)');

export const usageRouter = router({
  /** The brief's usage shape: seats, storage and API calls against the tier's limits. */
  get: addressedTenantProcedure('usage.read')
    .input(z.strictObject(tenantAddress).optional())
    .output(
      z.object({
        users: z.object({ current: z.number().int(), limit: z.number().int().nullable(), percent: percent.nullable() }),
        storage: z.object({ used_gb: z.number(), limit_gb: z.number(), percent }),
        api_calls: z.object({
          today: z.number().int().describe('Calls since 00:00 UTC'),
          this_hour: z.number().int(),
          limit: z.number().int().describe('Calls allowed per hour'),
          percent,
        }),
        measured_at: isoDateTime,
      }),
    )
    .query(({ ctx }) => ctx.run((sc) => getUsage(sc, redisApiCallCounters(ctx.redis, ctx.config.REDIS_PREFIX)))),
});
