export { checkHealth, type DependencyStatus, type HealthReport, verifyDatabase } from './health.js';
export { metricsEnvSchema, metricsRefusal } from './metrics-access.js';
