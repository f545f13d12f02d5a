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
