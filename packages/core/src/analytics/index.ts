export { AnalyticsEvent, type AnalyticsEventEntity } from './analytics-event.entity.js';
