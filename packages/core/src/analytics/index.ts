export { AnalyticsEvent, type AnalyticsEventEntity } from './analytics-event.entity.js';
export {
  type Recommendation,
  type RecommendationKind,
  type TenantLimits,
  tenantRecommendations,
} from './recommendations.js';
export {
  type DailyUsage,
  dailyUsage,
  type MonthlyReport,
  monthlyReport,
  type UsageInsights,
  usageInsights,
} from './usage-analytics.js';
