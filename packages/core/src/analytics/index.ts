export { AnalyticsEvent, type AnalyticsEventEntity } from './analytics-event.entity.js';
export {
  type DailyUsage,
  dailyUsage,
  type MonthlyReport,
  monthlyReport,
  type UsageInsights,
  usageInsights,
} from './usage-analytics.js';
