import type { TenantContext } from '../services/context.js';
import type { TenantEntity } from '../tenants/tenant.entity.js';
import { FEATURES, type Feature } from '../tenants/tiers.js';
import type { ChurnRiskBand } from './health-score.entity.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The brief's weights; they sum to 1, so the score is a weighted mean of components in [0, 1]. */
export const HEALTH_WEIGHTS = {
  engagement: 0.3,
  featureAdoption: 0.2,
  supportSatisfaction: 0.2,
  paymentHealth: 0.2,
  usageConsistency: 0.1,
} as const;
export type HealthComponent = keyof typeof HEALTH_WEIGHTS;

/** Values used where a component has no data yet; see docs/health-score.md for why each is what it is. */
export const NEUTRAL = { supportSatisfaction: 0.75, paymentHealth: 1, usageConsistency: 0.5 } as const;
export const ACTIVE_WINDOW_DAYS = 30;
export const SUPPORT_WINDOW_DAYS = 90;
export const CONSISTENCY_WINDOW_DAYS = 14;
export const MIN_CONSISTENCY_DAYS = 3;
/** Payment health looks at this many most recent settled (paid, failed or overdue) invoices. */
export const PAYMENT_HISTORY_INVOICES = 6;

export interface HealthScore {
  score: number;
  churnRisk: ChurnRiskBand;
  components: Record<HealthComponent, { value: number; inputs: Record<string, unknown> }>;
}

export function churnRiskOf(score: number): ChurnRiskBand {
  if (score >= 70) return 'low';
  if (score >= 40) return 'medium';
  return 'high';
}

const clamp01 = (value: number) => Math.min(1, Math.max(0, value));

async function engagement(ctx: TenantContext, since: Date) {
  const [row] = await ctx.em.execute<{ seats: string; active: string }[]>(
    `select count(*) as seats,
            count(*) filter (where tu.last_active_at >= ? or exists (
              select 1 from analytics_events ae where ae.tenant_id = tu.tenant_id and ae.user_id = tu.user_id and ae.created_at >= ?)) as active
       from tenant_users tu where tu.tenant_id = ? and tu.is_active`,
    [since, since, ctx.tenantId],
  );
  const seats = Number(row?.seats ?? 0);
  const active = Number(row?.active ?? 0);
  return { value: seats ? clamp01(active / seats) : 0, inputs: { seats, activeMembers: active } };
}

async function featureAdoption(ctx: TenantContext, tenant: TenantEntity, since: Date) {
  const enabled = FEATURES.filter((feature) => tenant.features[feature] === true);
  const rows = await ctx.em.execute<{ feature: string }[]>(
    `select distinct event_data->>'feature' as feature from analytics_events where tenant_id = ? and created_at >= ?`,
    [ctx.tenantId, since],
  );
  const used = rows
    .map((row) => row.feature)
    .filter((feature): feature is Feature => enabled.includes(feature as Feature));
  return {
    value: enabled.length ? used.length / enabled.length : 0,
    inputs: { enabled: enabled.length, used: used.sort() },
  };
}

/** How the support component blends its parts; see docs/health-score.md. */
export const SUPPORT_PARTS = { satisfaction: 0.5, response: 0.2, resolution: 0.2, volume: 0.1 } as const;
export const SUPPORT_RESPONSE_TARGET_HOURS = 24;
export const SUPPORT_RESOLUTION_TARGET_HOURS = 72;
/** Tickets per seat over the window at which the volume part reaches 0. */
export const SUPPORT_TICKETS_PER_SEAT_CEILING = 2;

async function supportSatisfaction(ctx: TenantContext, since: Date, seats: number) {
  const hour = 3_600_000;
  const responseDue = new Date(ctx.now.getTime() - SUPPORT_RESPONSE_TARGET_HOURS * hour);
  const resolutionDue = new Date(ctx.now.getTime() - SUPPORT_RESOLUTION_TARGET_HOURS * hour);
  const [row] = await ctx.em.execute<Record<string, string | null>[]>(
    `select count(*) as tickets, count(satisfaction_rating) as rated, avg((satisfaction_rating - 1) / 4.0) as mean,
            count(*) filter (where first_response_at is not null or created_at < ?) as response_due,
            count(*) filter (where first_response_at <= created_at + make_interval(hours => ?)) as responded_in_time,
            count(*) filter (where resolved_at is not null or created_at < ?) as resolution_due,
            count(*) filter (where resolved_at <= created_at + make_interval(hours => ?)) as resolved_in_time
       from tenant_support_tickets where tenant_id = ? and created_at >= ?`,
    [responseDue, SUPPORT_RESPONSE_TARGET_HOURS, resolutionDue, SUPPORT_RESOLUTION_TARGET_HOURS, ctx.tenantId, since],
  );
  const count = (key: string) => Number(row?.[key] ?? 0);
  const tickets = count('tickets');
  const rated = count('rated');
  if (tickets === 0) return { value: NEUTRAL.supportSatisfaction, inputs: { tickets: 0, rated: 0 } };
  const parts = {
    satisfaction: rated ? clamp01(Number(row?.mean)) : NEUTRAL.supportSatisfaction,
    response: count('response_due') ? count('responded_in_time') / count('response_due') : 1,
    resolution: count('resolution_due') ? count('resolved_in_time') / count('resolution_due') : 1,
    volume: clamp01(1 - tickets / (SUPPORT_TICKETS_PER_SEAT_CEILING * Math.max(seats, 1))),
  };
  const value = (Object.keys(SUPPORT_PARTS) as (keyof typeof SUPPORT_PARTS)[]).reduce(
    (sum, part) => sum + SUPPORT_PARTS[part] * parts[part],
    0,
  );
  return {
    value: clamp01(value),
    inputs: {
      tickets,
      rated,
      seats,
      respondedInTime: count('responded_in_time'),
      responseDue: count('response_due'),
      resolvedInTime: count('resolved_in_time'),
      resolutionDue: count('resolution_due'),
      parts,
    },
  };
}

/**
 * Invoices come from the billing ledger (tenant_invoices: one per month, status open | paid | failed |
 * overdue). The table belongs to the billing domain and is read by name; a deployment without it
 * scores payment health as neutral, as for a tenant that has not been invoiced yet.
 */
async function paymentHealth(ctx: TenantContext) {
  const [table] = await ctx.em.execute<{ present: boolean }[]>(
    `select to_regclass('public.tenant_invoices') is not null as present`,
  );
  if (!table?.present) return { value: NEUTRAL.paymentHealth, inputs: { invoices: 0, ledger: 'absent' } };
  const rows = await ctx.em.execute<{ status: string; n: string }[]>(
    `select status, count(*) as n from (
       select status from tenant_invoices where tenant_id = ? and status in ('paid', 'failed', 'overdue')
        order by period desc limit ${PAYMENT_HISTORY_INVOICES}) recent group by status`,
    [ctx.tenantId],
  );
  const counts = Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  const total = (counts.paid ?? 0) + (counts.failed ?? 0) + (counts.overdue ?? 0);
  return {
    value: total ? (counts.paid ?? 0) / total : NEUTRAL.paymentHealth,
    inputs: { paid: counts.paid ?? 0, failed: counts.failed ?? 0, overdue: counts.overdue ?? 0 },
  };
}

async function usageConsistency(ctx: TenantContext, tenant: TenantEntity) {
  const today = Math.floor(ctx.now.getTime() / DAY_MS) * DAY_MS;
  const createdDay = Math.floor(tenant.createdAt.getTime() / DAY_MS) * DAY_MS;
  // Complete UTC days only, and only days the tenant existed for the whole day.
  const from = Math.max(today - CONSISTENCY_WINDOW_DAYS * DAY_MS, createdDay + DAY_MS);
  const days = Math.max(0, Math.round((today - from) / DAY_MS));
  if (days < MIN_CONSISTENCY_DAYS) return { value: NEUTRAL.usageConsistency, inputs: { days } };
  const rows = await ctx.em.execute<{ day_ms: string; calls: string }[]>(
    `select extract(epoch from date_trunc('day', period_start at time zone 'UTC'))::bigint * 1000 as day_ms, sum(quantity) as calls
       from tenant_usage_records where tenant_id = ? and metric = 'api_calls' and period_start >= ? and period_start < ?
      group by 1`,
    [ctx.tenantId, new Date(from), new Date(today)],
  );
  const perDay = new Map(rows.map((row) => [Number(row.day_ms), Number(row.calls)]));
  const daily = Array.from({ length: days }, (_, i) => perDay.get(from + i * DAY_MS) ?? 0);
  const mean = daily.reduce((sum, calls) => sum + calls, 0) / days;
  if (mean === 0) return { value: 0, inputs: { days, mean: 0 } };
  const deviation = Math.sqrt(daily.reduce((sum, calls) => sum + (calls - mean) ** 2, 0) / days);
  const cv = deviation / mean;
  return { value: clamp01(1 - cv), inputs: { days, mean, coefficientOfVariation: cv } };
}

/** Computes the weighted health score of a tenant from its data, inside its unit of work. */
export async function computeHealthScore(ctx: TenantContext, tenant: TenantEntity): Promise<HealthScore> {
  const now = ctx.now.getTime();
  const activity = await engagement(ctx, new Date(now - ACTIVE_WINDOW_DAYS * DAY_MS));
  const components = {
    engagement: activity,
    featureAdoption: await featureAdoption(ctx, tenant, new Date(now - ACTIVE_WINDOW_DAYS * DAY_MS)),
    supportSatisfaction: await supportSatisfaction(
      ctx,
      new Date(now - SUPPORT_WINDOW_DAYS * DAY_MS),
      activity.inputs.seats,
    ),
    paymentHealth: await paymentHealth(ctx),
    usageConsistency: await usageConsistency(ctx, tenant),
  };
  const weighted = (Object.keys(HEALTH_WEIGHTS) as HealthComponent[]).reduce(
    (sum, name) => sum + HEALTH_WEIGHTS[name] * components[name].value,
    0,
  );
  const score = Math.round(weighted * 10_000) / 100;
  return { score, churnRisk: churnRiskOf(score), components };
}

/** Computes and stores today's score (a re-run the same day replaces it) and tells live dashboards. */
export async function recordHealthScore(ctx: TenantContext, tenant: TenantEntity): Promise<HealthScore> {
  const result = await computeHealthScore(ctx, tenant);
  const scoredOn = new Date(ctx.now).toISOString().slice(0, 10);
  await ctx.em.execute(
    `insert into tenant_health_scores (tenant_id, scored_on, score, churn_risk, components, computed_at) values (?, ?, ?, ?, ?, ?)
     on conflict (tenant_id, scored_on) do update set score = excluded.score, churn_risk = excluded.churn_risk,
       components = excluded.components, computed_at = excluded.computed_at`,
    [ctx.tenantId, scoredOn, result.score, result.churnRisk, JSON.stringify(result.components), ctx.now],
  );
  ctx.publish('health.updated', { score: result.score, churnRisk: result.churnRisk, scoredOn });
  return result;
}
