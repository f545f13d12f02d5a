export { CLOSED_HOUR_GRACE_MS, type FlushDeps, type FlushSummary, flushApiCallCounters } from './api-call-flush.js';
export { measureTenantUsage, type TenantMeasurement } from './measure.js';
