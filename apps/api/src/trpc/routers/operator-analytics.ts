import {
  apiPerformanceByTenant,
  billingAnomalies,
  churnRiskList,
  featureUtilization,
  HEALTH_BANDS,
  nameOperators,
  revenueOverview,
  securitySignals,
  TENANT_SORTS,
  tenantActivity,
  tenantApiPerformanceHours,
  tenantRows,
} from '@digame/core/operator-analytics';
import { supportInbox, supportVolume, TICKET_PRIORITIES, TICKET_STATUSES } from '@digame/core/support';
import { FEATURES, TIER_NAMES } from '@digame/core/tenants';
import { z } from 'zod';
import { operatorProcedure, router } from '../trpc.js';
import { isoDateTime, resolveTenant } from './admin-common.js';

const tier = z.enum(TIER_NAMES);
const performanceFigures = {
  calls: z.number(),
  errorRate: z.number().describe('5xx answers ÷ calls'),
  refusalRate: z.number().describe('4xx answers ÷ calls'),
  p95Ms: z.number().nullable().describe('Upper bound of the latency bucket holding the 95th percentile'),
};
const listLimit = z.number().int().min(1).max(500).default(100);

/**
 * Platform operators only: figures across every tenant, computed in SQL inside one read-only
 * platform transaction (Database.inPlatformRead). Tenants are named by their public id.
 */
export const operatorAnalyticsRouter = router({
  /** MRR in total and by tier, ARPU, lifetime value, churn by tier, plan changes, support volume. */
  overview: operatorProcedure
    .input(z.void())
    .output(
      z.object({
        totalMrrCents: z.number(),
        payingTenants: z.number(),
        arpuCents: z.number(),
        lifetimeValueCents: z.number().nullable(),
        monthlyChurnRate: z.number().nullable(),
        tenants: z.object({ total: z.number(), active: z.number(), suspended: z.number(), trial: z.number() }),
        byTier: z.array(
          z.object({
            tier,
            mrrCents: z.number(),
            payingTenants: z.number(),
            customersAtStart: z.number(),
            churnedTenants: z.number(),
            churnRate: z.number().nullable(),
          }),
        ),
        planChanges: z.array(z.object({ month: z.string(), upgrades: z.number(), downgrades: z.number() })),
        support: z.object({
          opened: z.number(),
          open: z.number(),
          meanFirstResponseHours: z.number().nullable(),
          meanResolutionHours: z.number().nullable(),
          meanRating: z.number().nullable(),
        }),
      }),
    )
    .query(({ ctx }) =>
      ctx.db.inPlatformRead(async (em) => {
        const now = new Date();
        return { ...(await revenueOverview(em, now)), support: await supportVolume(em, now, 30) };
      }),
    ),

  /** The tenants table: search, filter by tier, trial, status and health band; sort by MRR, health or usage. */
  tenants: operatorProcedure
    .input(
      z.strictObject({
        search: z.string().trim().min(1).max(100).optional(),
        tier: tier.optional(),
        trial: z.boolean().optional(),
        active: z.boolean().optional(),
        healthBand: z.enum(HEALTH_BANDS).optional(),
        sort: z.enum(TENANT_SORTS).default('newest'),
        limit: z.number().int().min(1).max(100).default(25),
        offset: z.number().int().min(0).max(100_000).default(0),
      }),
    )
    .output(
      z.object({
        total: z.number(),
        items: z.array(
          z.object({
            uuid: z.string(),
            name: z.string(),
            slug: z.string(),
            tier,
            isTrial: z.boolean(),
            isActive: z.boolean(),
            mrrCents: z.number(),
            seats: z.number(),
            monthlyActiveUsers: z.number(),
            averageSessionSeconds: z.number().nullable(),
            apiCalls30d: z.number(),
            healthScore: z.number().nullable(),
            churnRisk: z.enum(HEALTH_BANDS).nullable(),
            openAlerts: z.number(),
          }),
        ),
      }),
    )
    .query(({ ctx, input }) => ctx.db.inPlatformRead((em) => tenantRows(em, new Date(), input))),

  /** Per tier and feature: tenants with it on, tenants that used it in the last 30 days. */
  featureUtilization: operatorProcedure
    .input(z.void())
    .output(
      z.array(
        z.object({
          tier,
          feature: z.enum(FEATURES),
          enabledTenants: z.number(),
          usingTenants: z.number(),
          utilization: z.number().nullable(),
        }),
      ),
    )
    .query(({ ctx }) => ctx.db.inPlatformRead((em) => featureUtilization(em, new Date()))),

  /** Tenants at medium or high churn risk by their latest health score, with the reasons. */
  churnRisk: operatorProcedure
    .input(z.strictObject({ limit: listLimit }).default({ limit: 100 }))
    .output(
      z.array(
        z.object({
          tenantUuid: z.string(),
          name: z.string(),
          tier,
          score: z.number(),
          churnRisk: z.enum(['medium', 'high']),
          scoredOn: z.string(),
          reasons: z.array(z.string()),
        }),
      ),
    )
    .query(({ ctx, input }) => ctx.db.inPlatformRead((em) => churnRiskList(em, new Date(), input.limit))),

  /** Tenants whose latest invoice or recent usage departs from their own history. */
  billingAnomalies: operatorProcedure
    .input(z.void())
    .output(
      z.array(
        z.object({
          tenantUuid: z.string(),
          name: z.string(),
          kind: z.enum(['invoice', 'usage']),
          latest: z.number(),
          baseline: z.number(),
          explanation: z.string(),
        }),
      ),
    )
    .query(({ ctx }) => ctx.db.inPlatformRead((em) => billingAnomalies(em, new Date()))),

  /** Failed sign-ins, likely lock-outs and sign-ins from new addresses per tenant, last 7 days. */
  securitySignals: operatorProcedure
    .input(z.strictObject({ limit: listLimit }).default({ limit: 100 }))
    .output(
      z.array(
        z.object({
          tenantUuid: z.string(),
          name: z.string(),
          failedSignIns: z.number(),
          likelyLockouts: z.number(),
          unusualSignInAddresses: z.number(),
        }),
      ),
    )
    .query(({ ctx, input }) => ctx.db.inPlatformRead((em) => securitySignals(em, new Date(), input.limit))),

  /** Every tenant's tickets of one status, most urgent and oldest first. */
  supportInbox: operatorProcedure
    .input(
      z
        .strictObject({ status: z.enum(TICKET_STATUSES).default('open'), limit: listLimit })
        .default({ status: 'open', limit: 100 }),
    )
    .output(
      z.array(
        z.object({
          tenantUuid: z.string(),
          tenantName: z.string(),
          tier: z.string(),
          id: z.string(),
          subject: z.string(),
          priority: z.enum(TICKET_PRIORITIES),
          status: z.enum(TICKET_STATUSES),
          assignedToUserId: z.string().nullable(),
          createdAt: isoDateTime,
          firstResponseAt: isoDateTime.nullable(),
        }),
      ),
    )
    .query(({ ctx, input }) => ctx.db.inPlatformRead((em) => supportInbox(em, input))),

  /**
   * One tenant's daily health scores (last 90 days) and the newest operator entries into it. Read
   * through the audited operator path, so looking is itself one of the entries listed.
   */
  tenantActivity: operatorProcedure
    .input(
      z.strictObject({
        tenantId: z.uuid('must be a tenant id (uuid)'),
        accesses: z.number().int().min(1).max(200).default(50),
      }),
    )
    .output(
      z.object({
        healthHistory: z.array(z.object({ scoredOn: z.string(), score: z.number(), churnRisk: z.enum(HEALTH_BANDS) })),
        operatorAccesses: z.array(
          z.object({
            id: z.string(),
            operatorEmail: z.string().nullable(),
            reason: z.string(),
            ipAddress: z.string().nullable(),
            accessedAt: isoDateTime,
          }),
        ),
      }),
    )
    .query(async ({ ctx, input }) => {
      const activity = await ctx.runAsOperator(
        await resolveTenant(ctx, input.tenantId),
        'operator console: tenant detail',
        (sc) => tenantActivity(sc, { accesses: input.accesses }),
      );
      return ctx.db.inGlobal((em) => nameOperators(em, activity));
    }),

  /**
   * The busiest tenants of the last hours: API calls, error rate (5xx), refusal rate (4xx) and p95
   * latency, from the per-tenant hourly figures the worker copies out of Redis (no metrics label per
   * tenant). With `tenantId`, that tenant's hours instead, oldest first.
   */
  apiPerformance: operatorProcedure
    .input(
      z
        .strictObject({
          hours: z
            .number()
            .int()
            .min(1)
            .max(24 * 31)
            .default(24),
          limit: z.number().int().min(1).max(500).default(50),
        })
        .default({ hours: 24, limit: 50 }),
    )
    .output(z.array(z.object({ tenantUuid: z.string(), name: z.string(), ...performanceFigures })))
    .query(({ ctx, input }) => ctx.db.inPlatformRead((em) => apiPerformanceByTenant(em, new Date(), input))),

  /** One tenant's API performance per UTC hour of the last hours (hours without calls are left out). */
  tenantApiPerformance: operatorProcedure
    .input(
      z.strictObject({
        tenantId: z.uuid('must be a tenant id (uuid)'),
        hours: z
          .number()
          .int()
          .min(1)
          .max(24 * 31)
          .default(24),
      }),
    )
    .output(z.array(z.object({ hour: isoDateTime, ...performanceFigures })))
    .query(async ({ ctx, input }) => {
      const tenantId = await resolveTenant(ctx, input.tenantId);
      return ctx.db.inPlatformRead((em) => tenantApiPerformanceHours(em, tenantId, new Date(), input.hours));
    }),
});
