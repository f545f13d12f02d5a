import { z } from 'zod';

/** Where the admin's choice lives: a tenant setting, validated, audited and gated like the others. */
export const REPORT_EMAIL_SETTING = { category: 'notifications', key: 'monthlyReportEmail' } as const;

/** Whether, on which day of the month (UTC) and to whom the worker emails last month's report. */
export const reportEmailSchedule = z
  .strictObject({
    enabled: z.boolean(),
    dayOfMonth: z.number().int('a whole number from 1 to 28').min(1, 'from 1 to 28').max(28, 'from 1 to 28'),
    recipients: z.array(z.email('must be an email address')).max(20, 'at most 20 recipients'),
  })
  .refine((schedule) => !schedule.enabled || schedule.recipients.length > 0, {
    message: 'add at least one recipient',
    path: ['recipients'],
  });
export type ReportEmailSchedule = z.infer<typeof reportEmailSchedule>;

/** The calendar month before `now` (UTC), as YYYY-MM. */
export function previousMonth(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
}

/**
 * The month whose report is due by email at `now`: last month's, from the chosen day on (a
 * schedule turned on after that day still sends it that month); null when nothing is due.
 */
export function reportMonthDue(schedule: ReportEmailSchedule, now: Date): string | null {
  if (!schedule.enabled || schedule.recipients.length === 0) return null;
  return now.getUTCDate() >= schedule.dayOfMonth ? previousMonth(now) : null;
}
