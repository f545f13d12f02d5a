import type { Redis } from 'ioredis';
import type { DomainEvent, DomainEventType } from './domain-events.js';

/** Events kept per tenant; a reconnecting subscriber can resume within this window. */
export const STREAM_MAX_LENGTH = 10_000;

export function tenantStreamKey(prefix: string, tenantId: number): string {
  return `${prefix}:events:${tenantId}`;
}

/**
 * Publishing half of the event bus: a capped Redis Stream per tenant. Call it after commit (see
 * afterCommit), never inside a transaction. The subscribing half lives with the subscriptions.
 */
export class EventPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async publish(tenantId: number, type: DomainEventType, data: Record<string, unknown> = {}): Promise<string> {
    const event: DomainEvent = { type, tenantId, data, at: new Date().toISOString() };
    const id = await this.redis.xadd(
      tenantStreamKey(this.prefix, tenantId),
      'MAXLEN',
      '~',
      String(STREAM_MAX_LENGTH),
      '*',
      'event',
      JSON.stringify(event),
    );
    return id ?? '';
  }
}
