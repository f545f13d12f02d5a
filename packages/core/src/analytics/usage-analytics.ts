import type { TenantContext } from '../services/context.js';

/**
 * Analytics over the hourly usage records: daily history (advanced analytics), statistical
 * insights (AI insights tier feature) and a monthly report (advanced reporting). All read the
 * caller's tenant only: the queries run inside its unit of work, under row-level security.
 */

export interface DailyUsage {
  day: string;
  apiCalls: number;
  peakSeats: number;
  storageBytes: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

interface DailyRow {
  day: string;
  api_calls: string | null;
  peak_seats: string | null;
  storage_bytes: string | null;
}

/** One row per UTC day of the last `days` days (missing days are zero), oldest first. */
export async function dailyUsage(ctx: TenantContext, days: number): Promise<DailyUsage[]> {
  const today = Date.UTC(ctx.now.getUTCFullYear(), ctx.now.getUTCMonth(), ctx.now.getUTCDate());
  const from = new Date(today - (days - 1) * DAY_MS);
  const rows = await ctx.em.execute<DailyRow[]>(
    `select to_char(period_start at time zone 'UTC', 'YYYY-MM-DD') as day,
            sum(quantity) filter (where metric = 'api_calls') as api_calls,
            max(quantity) filter (where metric = 'seats') as peak_seats,
            max(quantity) filter (where metric = 'storage_bytes') as storage_bytes
       from tenant_usage_records
      where tenant_id = ? and period_start >= ?
      group by 1`,
    [ctx.tenantId, from],
  );
  const byDay = new Map(rows.map((row) => [row.day, row]));
  return Array.from({ length: days }, (_, i) => {
    const day = isoDay(new Date(from.getTime() + i * DAY_MS));
    const row = byDay.get(day);
    return {
      day,
      apiCalls: Number(row?.api_calls ?? 0),
      peakSeats: Number(row?.peak_seats ?? 0),
      storageBytes: Number(row?.storage_bytes ?? 0),
    };
  });
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export interface UsageInsights {
  /** Least-squares slope of daily API calls, in calls per day per day. */
  apiCallTrendPerDay: number;
  direction: 'growing' | 'steady' | 'shrinking';
  averageDailyApiCalls: number;
  /** Days whose calls lie more than two standard deviations from the mean. */
  anomalies: { day: string; apiCalls: number }[];
  /** Projected busiest hour in 30 days against the hourly limit, in percent. */
  projectedPeakHourPercentOfLimit: number;
  summary: string;
}

/**
 * Trend, anomalies and a projection from the last 28 complete days, explained in one sentence.
 * Today is left out: a day still in progress always looks like a drop (most of all just after
 * midnight UTC) and would turn a steady tenant into a shrinking one.
 */
export async function usageInsights(ctx: TenantContext, hourlyLimit: number): Promise<UsageInsights> {
  const days = (await dailyUsage(ctx, 29)).slice(0, -1);
  const calls = days.map((d) => d.apiCalls);
  const n = calls.length;
  const mean = calls.reduce((a, b) => a + b, 0) / n;
  const xMean = (n - 1) / 2;
  let covariance = 0;
  let variance = 0;
  for (let x = 0; x < n; x++) {
    covariance += (x - xMean) * ((calls[x] ?? 0) - mean);
    variance += (x - xMean) ** 2;
  }
  const slope = variance === 0 ? 0 : covariance / variance;
  const deviation = Math.sqrt(calls.reduce((sum, c) => sum + (c - mean) ** 2, 0) / n);
  const anomalies = days
    .filter((d) => deviation > 0 && Math.abs(d.apiCalls - mean) > 2 * deviation)
    .map(({ day, apiCalls }) => ({ day, apiCalls }));

  const [peak] = await ctx.em.execute<{ peak: string | null }[]>(
    `select max(quantity) as peak from tenant_usage_records
      where tenant_id = ? and metric = 'api_calls' and period_start >= ?`,
    [ctx.tenantId, new Date(ctx.now.getTime() - 28 * DAY_MS)],
  );
  const peakHour = Number(peak?.peak ?? 0);
  const growth = mean > 0 ? (slope * 30) / mean : 0;
  const projectedPeak = Math.max(0, peakHour * (1 + growth));
  const projectedPercent = hourlyLimit > 0 ? Math.round((projectedPeak / hourlyLimit) * 1000) / 10 : 0;
  const relative = mean > 0 ? Math.abs(slope) / mean : 0;
  const direction = relative < 0.005 ? 'steady' : slope > 0 ? 'growing' : 'shrinking';
  const summary =
    direction === 'steady'
      ? `API usage is steady at about ${Math.round(mean)} calls a day.`
      : `API usage is ${direction} by about ${Math.abs(Math.round(slope))} calls a day; in 30 days the busiest hour would use ${projectedPercent}% of the hourly limit.`;
  return {
    apiCallTrendPerDay: Math.round(slope * 10) / 10,
    direction,
    averageDailyApiCalls: Math.round(mean),
    anomalies,
    projectedPeakHourPercentOfLimit: projectedPercent,
    summary,
  };
}

export interface MonthlyReport {
  month: string;
  apiCalls: number;
  busiestHour: { start: string; apiCalls: number } | null;
  peakSeats: number;
  storageBytesAtEnd: number;
  auditEntries: number;
  activeMembers: number;
}

/** A month's totals for compliance and billing review, e.g. `month: '2026-11'`. */
export async function monthlyReport(ctx: TenantContext, month: string): Promise<MonthlyReport> {
  const start = new Date(`${month}-01T00:00:00Z`);
  const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  const [totals] = await ctx.em.execute<
    { api_calls: string | null; peak_seats: string | null; audit_entries: string; active_members: string }[]
  >(
    `select (select sum(quantity) from tenant_usage_records
              where tenant_id = ? and metric = 'api_calls' and period_start >= ? and period_start < ?) as api_calls,
            (select max(quantity) from tenant_usage_records
              where tenant_id = ? and metric = 'seats' and period_start >= ? and period_start < ?) as peak_seats,
            (select count(*) from tenant_audit_logs where tenant_id = ? and created_at >= ? and created_at < ?) as audit_entries,
            (select count(*) from tenant_users where tenant_id = ? and is_active) as active_members`,
    [ctx.tenantId, start, end, ctx.tenantId, start, end, ctx.tenantId, start, end, ctx.tenantId],
  );
  const [busiest] = await ctx.em.execute<{ period_start: Date; quantity: string }[]>(
    `select period_start, quantity from tenant_usage_records
      where tenant_id = ? and metric = 'api_calls' and period_start >= ? and period_start < ?
      order by quantity desc, period_start limit 1`,
    [ctx.tenantId, start, end],
  );
  const [storage] = await ctx.em.execute<{ quantity: string }[]>(
    `select quantity from tenant_usage_records
      where tenant_id = ? and metric = 'storage_bytes' and period_start < ?
      order by period_start desc limit 1`,
    [ctx.tenantId, end],
  );
  return {
    month,
    apiCalls: Number(totals?.api_calls ?? 0),
    busiestHour: busiest
      ? { start: new Date(busiest.period_start).toISOString(), apiCalls: Number(busiest.quantity) }
      : null,
    peakSeats: Number(totals?.peak_seats ?? 0),
    storageBytesAtEnd: Number(storage?.quantity ?? 0),
    auditEntries: Number(totals?.audit_entries ?? 0),
    activeMembers: Number(totals?.active_members ?? 0),
  };
}
