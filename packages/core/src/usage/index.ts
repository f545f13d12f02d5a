export { USAGE_METRICS, type UsageMetric, UsageRecord, type UsageRecordEntity } from './usage-record.entity.js';
