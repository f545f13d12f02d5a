import { audit } from '../audit/audit.js';
import { TenantAuditLog } from '../audit/audit-log.entity.js';
import type { TenantContext } from '../services/context.js';
import { TenantSetting } from '../settings/setting.entity.js';
import type { TenantEntity } from '../tenants/tenant.entity.js';
import { MonthlyReportFile } from './monthly-report.entity.js';
import { generateMonthlyReport } from './monthly-report.js';
import { REPORT_EMAIL_SETTING, reportEmailSchedule, reportMonthDue } from './report-schedule.js';

export type ReportEmailOutcome =
  | { emailed: string; recipients: number }
  | { skipped: 'feature_not_available' | 'not_scheduled' | 'not_due' | 'already_emailed' };

/**
 * Emails last month's report to the schedule's recipients once it is due: renders the PDF first
 * if nobody generated it, then queues one email per recipient through the outbox, with a link to
 * the console's reports page (the PDF stays behind sign-in). A `report.emailed` audit entry marks
 * the month done, so the hourly scan sends each month once; the email's dedupe key keeps a
 * retried job from sending twice.
 */
export async function emailDueMonthlyReport(ctx: TenantContext, tenant: TenantEntity): Promise<ReportEmailOutcome> {
  if (tenant.features.advanced_reporting !== true) return { skipped: 'feature_not_available' };
  const setting = await ctx.em.findOne(TenantSetting, { tenant: ctx.tenantId, ...REPORT_EMAIL_SETTING });
  const schedule = reportEmailSchedule.safeParse(setting?.value);
  if (!schedule.success || !schedule.data.enabled) return { skipped: 'not_scheduled' };
  const month = reportMonthDue(schedule.data, ctx.now);
  if (!month) return { skipped: 'not_due' };
  const done = await ctx.em.count(TenantAuditLog, {
    tenant: ctx.tenantId,
    action: 'report.emailed',
    resourceId: month,
  });
  if (done > 0) return { skipped: 'already_emailed' };

  const stored = await ctx.em.count(MonthlyReportFile, { tenant: ctx.tenantId, month });
  if (stored === 0) await generateMonthlyReport(ctx, month);
  for (const to of schedule.data.recipients) {
    const dedupeKey = `monthly-report:${month}:${to}`;
    ctx.enqueue(
      'email.send',
      {
        tenantId: ctx.tenantId,
        to,
        dedupeKey,
        template: 'monthly_report',
        data: { tenantName: tenant.name, month, reportsUrl: `${ctx.deps.appUrl}/reports` },
      },
      { jobId: `email:${tenant.tenantUuid}:${dedupeKey}` },
    );
  }
  audit(ctx, {
    action: 'report.emailed',
    resourceType: 'monthly_report',
    resourceId: month,
    details: { recipients: schedule.data.recipients },
  });
  return { emailed: month, recipients: schedule.data.recipients.length };
}
