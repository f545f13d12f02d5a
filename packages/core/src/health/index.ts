export { checkHealth, type DependencyStatus, type HealthReport, verifyDatabase } from './health.js';
