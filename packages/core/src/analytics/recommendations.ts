import type { TenantContext } from '../services/context.js';
import { FEATURE_LABELS, FEATURES, type Feature } from '../tenants/tiers.js';

/**
 * Explained, data-driven recommendations for a tenant (the ai_insights feature), each computed
 * from the tenant's own rows inside its unit of work. Every one names the figures it rests on, so
 * a reader can check it; the thresholds are below.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
/** Days of history the trends and baselines look at. */
export const TREND_DAYS = 28;
/** A limit forecast is shown when the trend reaches the limit within this many days. */
export const FORECAST_HORIZON_DAYS = 180;
/** Fewest days with data before a trend means anything. */
export const MIN_TREND_DAYS = 7;
/** Recent days compared against the 21 days before them. */
export const RECENT_DAYS = 7;
/** A recent day departs when it is this many standard deviations and at least half the mean away. */
export const UNUSUAL_DEVIATIONS = 3;
export const INACTIVE_DAYS = 30;

export type RecommendationKind = 'limit_forecast' | 'unusual_usage' | 'inactive_seats' | 'unused_features';

export interface Recommendation {
  kind: RecommendationKind;
  title: string;
  explanation: string;
  evidence: Record<string, unknown>;
}

export interface TenantLimits {
  maxUsers: number | null;
  storageLimitGb: number;
  apiRateLimit: number;
  features: Partial<Record<Feature, boolean>>;
}

interface Series {
  limit: 'seats' | 'storage' | 'api_calls';
  label: string;
  max: number | null;
  /** Value per day index from the first day (0) to yesterday (TREND_DAYS - 1); absent days are left out. */
  points: { x: number; y: number }[];
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Least squares line through the points: y = intercept + slope × x. */
function fit(points: { x: number; y: number }[]): { slope: number; intercept: number } {
  const n = points.length;
  const xMean = points.reduce((s, p) => s + p.x, 0) / n;
  const yMean = points.reduce((s, p) => s + p.y, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const p of points) {
    covariance += (p.x - xMean) * (p.y - yMean);
    variance += (p.x - xMean) ** 2;
  }
  const slope = variance === 0 ? 0 : covariance / variance;
  return { slope, intercept: yMean - slope * xMean };
}

async function dailySeries(ctx: TenantContext, limits: TenantLimits, firstDay: number, today: number) {
  const rows = await ctx.em.execute<{ day_ms: string; metric: string; value: string; total: string }[]>(
    `select extract(epoch from date_trunc('day', period_start at time zone 'UTC'))::bigint * 1000 as day_ms, metric,
            max(quantity) as value, sum(quantity) as total
       from tenant_usage_records where tenant_id = ? and period_start >= ? and period_start < ?
      group by 1, 2`,
    [ctx.tenantId, new Date(firstDay), new Date(today)],
  );
  const points = (metric: string) =>
    rows
      .filter((row) => row.metric === metric)
      .map((row) => ({ x: Math.round((Number(row.day_ms) - firstDay) / DAY_MS), y: Number(row.value) }))
      .sort((a, b) => a.x - b.x);
  const series: Series[] = [
    { limit: 'seats', label: 'seats', max: limits.maxUsers, points: points('seats') },
    { limit: 'storage', label: 'storage', max: limits.storageLimitGb * 1024 ** 3, points: points('storage_bytes') },
    {
      limit: 'api_calls',
      label: 'API calls in the busiest hour',
      max: limits.apiRateLimit,
      points: points('api_calls'),
    },
  ];
  const dailyCalls = new Map(
    rows.filter((row) => row.metric === 'api_calls').map((row) => [Number(row.day_ms), Number(row.total)]),
  );
  return { series, dailyCalls };
}

function limitForecasts(series: Series[], firstDay: number, today: number): Recommendation[] {
  const result: Recommendation[] = [];
  for (const s of series) {
    const latest = s.points.at(-1);
    if (s.max === null || !latest || s.points.length < MIN_TREND_DAYS || latest.y >= s.max) continue;
    const { slope, intercept } = fit(s.points);
    if (slope <= 0) continue;
    const reachedAtX = Math.ceil((s.max - intercept) / slope);
    const reachedOn = firstDay + reachedAtX * DAY_MS;
    const inDays = Math.round((reachedOn - today) / DAY_MS);
    if (inDays > FORECAST_HORIZON_DAYS) continue;
    const date = isoDay(Math.max(reachedOn, today));
    result.push({
      kind: 'limit_forecast',
      title: `The ${s.label} limit will be reached around ${date}`,
      explanation: `Over the last ${s.points.length} days ${s.label} grew by about ${round(slope)} a day, from ${round(intercept)} to ${latest.y} of ${s.max}; at that pace the limit is reached in ${Math.max(inDays, 0)} days. Upgrade or reduce usage before then.`,
      evidence: { limit: s.limit, max: s.max, latest: latest.y, slopePerDay: round(slope), reachedOn: date },
    });
  }
  return result;
}

function unusualUsage(dailyCalls: Map<number, number>, firstDay: number): Recommendation[] {
  const values = Array.from({ length: TREND_DAYS }, (_, i) => dailyCalls.get(firstDay + i * DAY_MS) ?? 0);
  const baseline = values.slice(0, TREND_DAYS - RECENT_DAYS);
  const mean = baseline.reduce((s, v) => s + v, 0) / baseline.length;
  if (mean === 0) return [];
  const deviation = Math.sqrt(baseline.reduce((s, v) => s + (v - mean) ** 2, 0) / baseline.length);
  const unusual = values
    .map((calls, i) => ({ day: isoDay(firstDay + i * DAY_MS), calls, i }))
    .filter(
      ({ calls, i }) =>
        i >= TREND_DAYS - RECENT_DAYS &&
        Math.abs(calls - mean) > UNUSUAL_DEVIATIONS * deviation &&
        Math.abs(calls - mean) >= 0.5 * mean,
    );
  return unusual.map(({ day, calls }) => ({
    kind: 'unusual_usage' as const,
    title: `Unusual API usage on ${day}`,
    explanation: `${calls} API calls on ${day} against a usual ${Math.round(mean)} a day (±${Math.round(deviation)}) over the ${baseline.length} days before. Check for a runaway integration or a leaked API key.`,
    evidence: { day, apiCalls: calls, usualMean: round(mean), usualDeviation: round(deviation) },
  }));
}

async function inactiveSeats(ctx: TenantContext): Promise<Recommendation[]> {
  const since = new Date(ctx.now.getTime() - INACTIVE_DAYS * DAY_MS);
  const rows = await ctx.em.execute<{ full_name: string; seats: string }[]>(
    `select u.full_name, count(*) over () as seats, not (tu.last_active_at >= ? or exists (
              select 1 from analytics_events ae where ae.tenant_id = tu.tenant_id and ae.user_id = tu.user_id and ae.created_at >= ?)) as inactive
       from tenant_users tu join users u on u.id = tu.user_id
      where tu.tenant_id = ? and tu.is_active order by u.full_name`,
    [since, since, ctx.tenantId],
  );
  const inactive = (rows as unknown as { full_name: string; seats: string; inactive: boolean }[]).filter(
    (row) => row.inactive !== false,
  );
  if (inactive.length === 0) return [];
  const seats = Number(rows[0]?.seats ?? 0);
  const names = inactive.map((row) => row.full_name);
  return [
    {
      kind: 'inactive_seats',
      title: `${inactive.length} of ${seats} seats unused for ${INACTIVE_DAYS} days`,
      explanation: `${names.join(', ')} ${inactive.length === 1 ? 'has' : 'have'} not been active in ${INACTIVE_DAYS} days. Re-engage them or free the seats.`,
      evidence: { inactive: inactive.length, seats, members: names },
    },
  ];
}

async function unusedFeatures(ctx: TenantContext, limits: TenantLimits): Promise<Recommendation[]> {
  const enabled = FEATURES.filter((feature) => limits.features[feature] === true);
  if (enabled.length === 0) return [];
  const rows = await ctx.em.execute<{ feature: string }[]>(
    `select distinct event_data->>'feature' as feature from analytics_events where tenant_id = ? and created_at >= ?`,
    [ctx.tenantId, new Date(ctx.now.getTime() - INACTIVE_DAYS * DAY_MS)],
  );
  const used = new Set(rows.map((row) => row.feature));
  const unused = enabled.filter((feature) => !used.has(feature));
  if (unused.length === 0) return [];
  const labels = unused.map((feature) => FEATURE_LABELS[feature]);
  return [
    {
      kind: 'unused_features',
      title: `${unused.length} of ${enabled.length} included features unused`,
      explanation: `${labels.join(', ')} ${unused.length === 1 ? 'is' : 'are'} part of your plan but went unused in the last ${INACTIVE_DAYS} days.`,
      evidence: { unused, enabled: enabled.length },
    },
  ];
}

const round = (value: number) => Math.round(value * 100) / 100;

/** Every recommendation that applies to the tenant now, limit forecasts first. */
export async function tenantRecommendations(ctx: TenantContext, limits: TenantLimits): Promise<Recommendation[]> {
  const today = Math.floor(ctx.now.getTime() / DAY_MS) * DAY_MS;
  const firstDay = today - TREND_DAYS * DAY_MS;
  const { series, dailyCalls } = await dailySeries(ctx, limits, firstDay, today);
  return [
    ...limitForecasts(series, firstDay, today),
    ...unusualUsage(dailyCalls, firstDay),
    ...(await inactiveSeats(ctx)),
    ...(await unusedFeatures(ctx, limits)),
  ];
}
