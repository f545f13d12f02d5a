export { MonthlyReportFile, type MonthlyReportFileEntity } from './monthly-report.entity.js';
export {
  collectMonthlyReport,
  generateMonthlyReport,
  listMonthlyReports,
  MONTH_PATTERN,
  type MonthlyReportListing,
  monthlyReportPdf,
  type TenantMonthlyReport,
} from './monthly-report.js';
export { emailDueMonthlyReport, type ReportEmailOutcome } from './report-emails.js';
export {
  previousMonth,
  REPORT_EMAIL_SETTING,
  type ReportEmailSchedule,
  reportEmailSchedule,
  reportMonthDue,
} from './report-schedule.js';
