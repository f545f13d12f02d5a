export {
  DOMAIN_EVENT_TYPES,
  type DomainEvent,
  type DomainEventType,
  domainEventSchema,
  EVENT_FEATURES,
  EVENT_PERMISSIONS,
  mayReceiveEvent,
  PERSONAL_EVENTS,
} from './domain-events.js';
export { EventPublisher, STREAM_MAX_LENGTH, tenantStreamKey } from './event-bus.js';
export { compareStreamIds, type StreamedEvent, TenantEventStreams } from './event-stream.js';
