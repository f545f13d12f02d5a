import { ALERT_LIMITS, recentLimitAlerts } from '@digame/core/alerts';
import { getUsage, hourlyApiCalls, readUsage, redisApiCallCounters } from '@digame/core/usage';
import { z } from 'zod';
import { can, router } from '../trpc.js';
import { addressedTenantProcedure, isoDateTime, tenantAddress } from './admin-common.js';

const percent = z.number().describe('Share of the limit used, in percent (one decimal)');

export const usageRouter = router({
  /** The brief's usage shape: seats, storage and API calls against the tier's limits. */
  get: addressedTenantProcedure('usage.read')
    .input(z.strictObject(tenantAddress).optional())
    .output(
      z.object({
        users: z.object({ current: z.number().int(), limit: z.number().int().nullable(), percent: percent.nullable() }),
        storage: z.object({ usedGb: z.number(), limitGb: z.number(), percent }),
        apiCalls: z.object({
          today: z.number().int().describe('Calls since 00:00 UTC'),
          thisHour: z.number().int(),
          limit: z.number().int().describe('Calls allowed per hour'),
          percent,
        }),
        measuredAt: isoDateTime,
      }),
    )
    .query(({ ctx }) => {
      const counters = redisApiCallCounters(ctx.redis, ctx.config.REDIS_PREFIX);
      return ctx.read(
        (db, tenantId) => readUsage(db, tenantId, counters),
        (sc) => getUsage(sc, counters),
      );
    }),

  /** API calls per UTC hour, oldest first, the current hour included (a week by default). */
  apiCallsByHour: can('usage.read')
    .input(
      z
        .strictObject({
          hours: z
            .number()
            .int()
            .min(1)
            .max(24 * 31)
            .default(24 * 7),
        })
        .default({ hours: 168 }),
    )
    .output(z.array(z.object({ hour: isoDateTime, apiCalls: z.number().int() })))
    .query(({ ctx, input }) =>
      ctx.run((sc) => hourlyApiCalls(sc, redisApiCallCounters(ctx.redis, ctx.config.REDIS_PREFIX), input.hours)),
    ),

  /** The latest 80 % / 95 % limit alerts, newest first. */
  alerts: can('usage.read')
    .input(z.strictObject({ limit: z.number().int().min(1).max(100).default(20) }).default({ limit: 20 }))
    .output(
      z.array(
        z.object({
          limit: z.enum(ALERT_LIMITS),
          thresholdPercent: z.number().int(),
          used: z.number(),
          max: z.number(),
          periodStart: z.string(),
          raisedAt: isoDateTime,
        }),
      ),
    )
    .query(({ ctx, input }) => ctx.run((sc) => recentLimitAlerts(sc, input.limit))),
});
