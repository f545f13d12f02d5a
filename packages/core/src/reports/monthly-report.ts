import { monthlyReport } from '../analytics/usage-analytics.js';
import { audit } from '../audit/audit.js';
import { DomainError } from '../errors/domain-error.js';
import type { TenantContext } from '../services/context.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { TIERS, type TierName } from '../tenants/tiers.js';
import { MonthlyReportFile } from './monthly-report.entity.js';

/** Everything the monthly PDF shows, read from the tenant's own rows. */
export interface TenantMonthlyReport {
  tenantName: string;
  tierLabel: string;
  month: string;
  generatedAt: Date;
  limits: { maxUsers: number | null; storageLimitGb: number; apiCallsPerHour: number };
  usage: Awaited<ReturnType<typeof monthlyReport>>;
  members: { active: number; joined: number; byRole: { role: string; count: number }[] };
  alerts: { limit: string; thresholdPercent: number; used: number; max: number; raisedAt: string }[];
  audit: { entries: number; topActions: { action: string; count: number }[] };
  health: { score: number; churnRisk: string; scoredOn: string } | null;
}

export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

function monthBounds(month: string): { start: Date; end: Date } {
  if (!MONTH_PATTERN.test(month)) {
    throw new DomainError('BAD_REQUEST', 'Invalid month', { fields: { month: 'must be a month such as 2026-11' } });
  }
  const start = new Date(`${month}-01T00:00:00Z`);
  return { start, end: new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1)) };
}

export async function collectMonthlyReport(ctx: TenantContext, month: string): Promise<TenantMonthlyReport> {
  const { start, end } = monthBounds(month);
  const tenant = await ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId });
  const usage = await monthlyReport(ctx, month);
  const roles = await ctx.em.execute<{ role: string; n: string; joined: string }[]>(
    `select role, count(*) as n, count(*) filter (where joined_at >= ? and joined_at < ?) as joined
       from tenant_users where tenant_id = ? and is_active group by role order by role`,
    [start, end, ctx.tenantId],
  );
  const alerts = await ctx.em.execute<
    { limit: string; threshold_percent: number; used: string; max: string; raised_at: Date }[]
  >(
    `select "limit", threshold_percent, used, max, raised_at from tenant_limit_alerts
      where tenant_id = ? and raised_at >= ? and raised_at < ? order by raised_at`,
    [ctx.tenantId, start, end],
  );
  const actions = await ctx.em.execute<{ action: string; n: string }[]>(
    `select action, count(*) as n from tenant_audit_logs where tenant_id = ? and created_at >= ? and created_at < ?
      group by action order by count(*) desc, action limit 8`,
    [ctx.tenantId, start, end],
  );
  const [health] = await ctx.em.execute<{ score: string; churn_risk: string; scored_on: string }[]>(
    `select score, churn_risk, scored_on::text as scored_on from tenant_health_scores
      where tenant_id = ? and scored_on < ? order by scored_on desc limit 1`,
    [ctx.tenantId, end],
  );
  return {
    tenantName: tenant.name,
    tierLabel: TIERS[tenant.subscriptionTier as TierName].label,
    month,
    generatedAt: ctx.now,
    limits: {
      maxUsers: tenant.maxUsers ?? null,
      storageLimitGb: tenant.storageLimitGb,
      apiCallsPerHour: tenant.apiRateLimit,
    },
    usage,
    members: {
      active: roles.reduce((sum, row) => sum + Number(row.n), 0),
      joined: roles.reduce((sum, row) => sum + Number(row.joined), 0),
      byRole: roles.map((row) => ({ role: row.role, count: Number(row.n) })),
    },
    alerts: alerts.map((row) => ({
      limit: row.limit,
      thresholdPercent: row.threshold_percent,
      used: Number(row.used),
      max: Number(row.max),
      raisedAt: new Date(row.raised_at).toISOString(),
    })),
    audit: {
      entries: usage.auditEntries,
      topActions: actions.map((row) => ({ action: row.action, count: Number(row.n) })),
    },
    health: health ? { score: Number(health.score), churnRisk: health.churn_risk, scoredOn: health.scored_on } : null,
  };
}

/**
 * Renders the month's PDF and stores it (replacing an earlier one of the same month): run by the
 * `reports.monthly` job, so a retried job writes the same row again.
 */
export async function generateMonthlyReport(
  ctx: TenantContext,
  month: string,
): Promise<{ month: string; byteSize: number }> {
  // pdfkit and its font tables load on the first report, not at every api or worker start-up.
  const { renderMonthlyReportPdf } = await import('./monthly-report-pdf.js');
  const pdf = await renderMonthlyReportPdf(await collectMonthlyReport(ctx, month));
  await ctx.em.upsert(MonthlyReportFile, {
    tenant: ctx.tenantId,
    month,
    pdf,
    byteSize: pdf.byteLength,
    generatedAt: ctx.now,
  });
  audit(ctx, {
    action: 'report.generated',
    resourceType: 'monthly_report',
    resourceId: month,
    details: { bytes: pdf.byteLength },
  });
  ctx.publish('report.ready', { month });
  return { month, byteSize: pdf.byteLength };
}

export interface MonthlyReportListing {
  month: string;
  byteSize: number;
  generatedAt: Date;
}

export async function listMonthlyReports(ctx: TenantContext): Promise<MonthlyReportListing[]> {
  const rows = await ctx.em.find(
    MonthlyReportFile,
    { tenant: ctx.tenantId },
    { fields: ['month', 'byteSize', 'generatedAt'], orderBy: { month: 'desc' } },
  );
  return rows.map((row) => ({ month: row.month, byteSize: row.byteSize, generatedAt: row.generatedAt }));
}

export async function monthlyReportPdf(ctx: TenantContext, month: string): Promise<Buffer> {
  monthBounds(month);
  const row = await ctx.em.findOne(MonthlyReportFile, { tenant: ctx.tenantId, month });
  if (!row) throw new DomainError('NOT_FOUND', 'No report for that month yet');
  return Buffer.from(row.pdf);
}
