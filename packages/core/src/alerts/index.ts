export {
  ALERT_LIMITS,
  ALERT_THRESHOLDS,
  type AlertLimit,
  type AlertThreshold,
  LimitAlert,
  type LimitAlertEntity,
} from './limit-alert.entity.js';
export { evaluateLimitAlerts, type LimitReadings, type RaisedAlert, recentLimitAlerts } from './limit-alerts.js';
