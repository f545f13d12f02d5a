import type { Redis } from 'ioredis';
import type { DomainEvent, DomainEventType } from './domain-events.js';
import { parseEntry, type StreamedEvent, TenantEventStreams } from './event-stream.js';

/** Events kept per tenant; a reconnecting subscriber can resume within this window. */
export const STREAM_MAX_LENGTH = 10_000;

export function tenantStreamKey(prefix: string, tenantId: number): string {
  return `${prefix}:events:${tenantId}`;
}

/**
 * The event bus: a capped Redis Stream per tenant. Publish after commit (see afterCommit), never
 * inside a transaction. Subscribing (api nodes only) starts a shared reader on first use.
 */
export class EventPublisher {
  private streams: TenantEventStreams | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** A tenant's events after `afterId` (from now on when null) until `signal` aborts; see TenantEventStreams. */
  subscribe(tenantId: number, afterId: string | null, signal: AbortSignal): AsyncGenerator<StreamedEvent> {
    this.streams ??= new TenantEventStreams(this.redis, this.prefix);
    return this.streams.subscribe(tenantId, afterId, signal);
  }

  /** The latest `count` events of a tenant, newest first. */
  async recent(tenantId: number, count: number): Promise<StreamedEvent[]> {
    const entries = await this.redis.xrevrange(tenantStreamKey(this.prefix, tenantId), '+', '-', 'COUNT', count);
    return entries.flatMap(([id, fields]) => {
      const entry = parseEntry(id, fields);
      return entry ? [entry] : [];
    });
  }

  /** Stops the shared reader, if subscribing started one. */
  async close(): Promise<void> {
    await this.streams?.close();
  }

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
