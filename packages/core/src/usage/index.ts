export { LIVE_USAGE_INTERVAL_MS, LiveApiCalls, WATCHED_MARK_MS } from './live-api-calls.js';
export {
  type ApiCallCounterReader,
  getUsage,
  hourlyApiCalls,
  latestStorageBytes,
  readUsage,
  redisApiCallCounters,
  type UsageReport,
} from './usage.service.js';
export { USAGE_METRICS, type UsageMetric, UsageRecord, type UsageRecordEntity } from './usage-record.entity.js';
