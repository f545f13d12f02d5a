export { TenantApiPerformance, type TenantApiPerformanceEntity } from './api-performance.entity.js';
export {
  type ApiPerformanceHour,
  ApiPerformanceRecorder,
  apiPerformanceByTenant,
  flushApiPerformance,
  LATENCY_BUCKETS_MS,
  latencyBucket,
  type PerformanceFlushSummary,
  p95FromBuckets,
  type TenantApiPerformanceSummary,
  tenantApiPerformanceHours,
} from './api-performance.js';
export {
  ACTIVE_USER_WINDOW_DAYS,
  CHURN_WINDOW_DAYS,
  HEALTH_BANDS,
  type RevenueOverview,
  revenueOverview,
  TENANT_SORTS,
  type TenantRow,
  type TenantRowQuery,
  type TenantSort,
  type TierRevenue,
  tenantRows,
} from './revenue.js';
export {
  type BillingAnomaly,
  billingAnomalies,
  type ChurnRisk,
  churnRiskList,
  type FeatureUtilization,
  featureUtilization,
  type SecuritySignals,
  securitySignals,
} from './signals.js';
export {
  HEALTH_HISTORY_DAYS,
  type HealthPoint,
  nameOperators,
  type OperatorAccess,
  type TenantActivity,
  tenantActivity,
} from './tenant-activity.js';
