import { dailyUsage, monthlyReport, tenantRecommendations, usageInsights } from '@digame/core/analytics';
import { z } from 'zod';
import { can, requireFeature, router } from '../trpc.js';

const readAnalytics = can('analytics.read');

export const analyticsRouter = router({
  /** Daily API calls, peak seats and storage for the last N days (advanced analytics). */
  usageHistory: requireFeature(readAnalytics, 'advanced_analytics')
    .input(z.strictObject({ days: z.number().int().min(1).max(366).default(30) }))
    .output(
      z.array(z.object({ day: z.string(), apiCalls: z.number(), peakSeats: z.number(), storageBytes: z.number() })),
    )
    .query(({ ctx, input }) => ctx.run((sc) => dailyUsage(sc, input.days))),

  /** Trend, anomalies and a 30-day projection of API usage, explained in a sentence (AI insights). */
  insights: requireFeature(readAnalytics, 'ai_insights')
    .input(z.void())
    .output(
      z.object({
        apiCallTrendPerDay: z.number(),
        direction: z.enum(['growing', 'steady', 'shrinking']),
        averageDailyApiCalls: z.number(),
        anomalies: z.array(z.object({ day: z.string(), apiCalls: z.number() })),
        projectedPeakHourPercentOfLimit: z.number(),
        summary: z.string(),
      }),
    )
    .query(({ ctx }) => ctx.run((sc) => usageInsights(sc, ctx.tenant.apiRateLimit))),

  /**
   * Explained recommendations from the tenant's own data (AI insights): when a limit will be reached
   * at the current trend, recent days of unusual API usage, inactive seats, included features unused.
   */
  recommendations: requireFeature(readAnalytics, 'ai_insights')
    .input(z.void())
    .output(
      z.array(
        z.object({
          kind: z.enum(['limit_forecast', 'unusual_usage', 'inactive_seats', 'unused_features']),
          title: z.string(),
          explanation: z.string(),
          evidence: z.record(z.string(), z.unknown()),
        }),
      ),
    )
    .query(({ ctx }) => ctx.run((sc) => tenantRecommendations(sc, ctx.tenant))),

  /** A month's usage and activity totals (advanced reporting). */
  monthlyReport: requireFeature(readAnalytics, 'advanced_reporting')
    .input(z.strictObject({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month such as 2026-11') }))
    .output(
      z.object({
        month: z.string(),
        apiCalls: z.number(),
        busiestHour: z.object({ start: z.string(), apiCalls: z.number() }).nullable(),
        peakSeats: z.number(),
        storageBytesAtEnd: z.number(),
        auditEntries: z.number(),
        activeMembers: z.number(),
      }),
    )
    .query(({ ctx, input }) => ctx.run((sc) => monthlyReport(sc, input.month))),
});
