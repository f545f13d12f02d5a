import { tenantAdmins } from '../mail/recipients.js';
import { hourStart } from '../request/gate.js';
import type { TenantContext } from '../services/context.js';
import type { TenantEntity } from '../tenants/tenant.entity.js';
import { ALERT_THRESHOLDS, type AlertLimit, LimitAlert } from './limit-alert.entity.js';

const GIB = 1024 ** 3;

/** Current usage of some of a tenant's limits: seats, storage bytes, API calls this hour. */
export type LimitReadings = Partial<Record<AlertLimit, number>>;

export interface RaisedAlert {
  limit: AlertLimit;
  thresholdPercent: number;
  used: number;
  max: number;
  periodStart: string;
}

/** The tier limit behind each alert; null = unlimited (enterprise seats), never alerted. */
function limitOf(tenant: TenantEntity, limit: AlertLimit): number | null {
  if (limit === 'seats') return tenant.maxUsers ?? null;
  if (limit === 'storage') return tenant.storageLimitGb * GIB;
  return tenant.apiRateLimit;
}

/**
 * Raises the 80% / 95% alerts a reading crosses and re-arms those it has fallen back below.
 *
 * An alert is raised when usage is at or over the threshold and no alert of that limit and threshold
 * is still armed-off ("open"); it is an INSERT keyed by (tenant, limit, threshold, period = UTC hour),
 * so two workers evaluating the same reading insert one row and only the inserter emails and
 * publishes. A per-tenant transaction lock serializes evaluations, so the open-alert check and the
 * insert cannot interleave across periods either. API calls are counted per hour, so an open alert of
 * an earlier hour does not hold back the current hour's.
 */
export async function evaluateLimitAlerts(
  ctx: TenantContext,
  tenant: TenantEntity,
  readings: LimitReadings,
): Promise<RaisedAlert[]> {
  const periodStart = new Date(hourStart(ctx.now.getTime()));
  await ctx.em.execute('select pg_advisory_xact_lock(hashtext(?), ?)', ['digame:limit-alerts', tenant.id]);
  const raised: RaisedAlert[] = [];

  for (const [limit, used] of Object.entries(readings) as [AlertLimit, number][]) {
    const max = limitOf(tenant, limit);
    if (max === null || max <= 0) continue;
    for (const threshold of ALERT_THRESHOLDS) {
      if (used * 100 < threshold * max) {
        await ctx.em.execute(
          `update tenant_limit_alerts set rearmed_at = ? where tenant_id = ? and "limit" = ? and threshold_percent = ? and rearmed_at is null`,
          [ctx.now, tenant.id, limit, threshold],
        );
        continue;
      }
      const sameHourOnly = limit === 'api_calls';
      const [open] = await ctx.em.execute<{ n: number }[]>(
        `select 1 as n from tenant_limit_alerts
          where tenant_id = ? and "limit" = ? and threshold_percent = ? and rearmed_at is null
            ${sameHourOnly ? 'and period_start = ?' : ''}
          limit 1`,
        [tenant.id, limit, threshold, ...(sameHourOnly ? [periodStart] : [])],
      );
      if (open) continue;
      const inserted = await ctx.em.execute<unknown[]>(
        `insert into tenant_limit_alerts (tenant_id, "limit", threshold_percent, period_start, used, max, raised_at)
         values (?, ?, ?, ?, ?, ?, ?) on conflict do nothing returning 1`,
        [tenant.id, limit, threshold, periodStart, used, max, ctx.now],
      );
      if (inserted.length === 0) continue;
      const alert = { limit, thresholdPercent: threshold, used, max, periodStart: periodStart.toISOString() };
      raised.push(alert);
      await announce(ctx, tenant, alert);
    }
  }
  return raised;
}

/** Emails the tenant's admins and tells live dashboards, both after commit. */
async function announce(ctx: TenantContext, tenant: TenantEntity, alert: RaisedAlert): Promise<void> {
  for (const admin of await tenantAdmins(ctx.em, tenant)) {
    const dedupeKey = `limit-alert:${alert.limit}:${alert.thresholdPercent}:${alert.periodStart}:${admin.id}`;
    ctx.enqueue(
      'email.send',
      {
        tenantId: tenant.id,
        to: admin.email,
        dedupeKey,
        template: 'limit_alert',
        data: {
          tenantName: tenant.name,
          limit: alert.limit,
          thresholdPercent: alert.thresholdPercent,
          used: alert.used,
          max: alert.max,
          usageUrl: `${ctx.deps.appUrl}/usage`,
        },
      },
      { jobId: `email:${tenant.tenantUuid}:${dedupeKey}` },
    );
  }
  ctx.publish('alert.raised', { ...alert });
}

/** The tenant's latest raised alerts, newest first, for the dashboard's feed. */
export async function recentLimitAlerts(
  ctx: TenantContext,
  limit: number,
): Promise<Array<RaisedAlert & { raisedAt: Date }>> {
  const rows = await ctx.em.find(
    LimitAlert,
    { tenant: ctx.tenantId },
    { orderBy: { raisedAt: 'desc', thresholdPercent: 'desc' }, limit },
  );
  return rows.map((row) => ({
    limit: row.limit,
    thresholdPercent: row.thresholdPercent,
    used: row.used,
    max: row.max,
    periodStart: row.periodStart.toISOString(),
    raisedAt: row.raisedAt,
  }));
}
