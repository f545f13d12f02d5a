import type { Redis } from 'ioredis';
import type { DomainEvent, DomainEventType } from './domain-events.js';
import { parseEntry, type StreamedEvent, TenantEventStreams } from './event-stream.js';

/** Events kept per tenant; a reconnecting subscriber can resume within this window. */
export const STREAM_MAX_LENGTH = 10_000;

export function tenantStreamKey(prefix: string, tenantId: number): string {
  return `${prefix}:events:${tenantId}`;
}

/** How long an outbox-published event remembers that it was published. */
const PUBLISHED_MARK_SECONDS = 24 * 3600;

/**
 * KEYS[1] stream, KEYS[2] published mark. ARGV[1] event JSON, ARGV[2] max length, ARGV[3] mark TTL.
 * Mark and entry are written together, so an event is in the stream once or not at all.
 */
const PUBLISH_ONCE_SCRIPT = `
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) == false then return false end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[1])
`;

type BusRedis = Redis & {
  digamePublishOnce(
    stream: string,
    mark: string,
    event: string,
    maxLength: number,
    markSeconds: number,
  ): Promise<string | null>;
};

/**
 * The event bus: a capped Redis Stream per tenant. Services publish through the outbox (ctx.publish), so
 * an event goes out once its transaction has committed, and only then. Subscribing (api nodes only) starts a shared reader on first use.
 */
export class EventPublisher {
  private streams: TenantEventStreams | null = null;
  private readonly redis: BusRedis;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    if (!('digamePublishOnce' in redis))
      redis.defineCommand('digamePublishOnce', { numberOfKeys: 2, lua: PUBLISH_ONCE_SCRIPT });
    this.redis = redis as BusRedis;
  }

  /** A tenant's events after `afterId` (from now on when null) until `signal` aborts; see TenantEventStreams. */
  subscribe(tenantId: number, afterId: string | null, signal: AbortSignal): AsyncGenerator<StreamedEvent> {
    this.streams ??= new TenantEventStreams(this.redis, this.prefix);
    return this.streams.subscribe(tenantId, afterId, signal);
  }

  /** Push-style subscription for transports that write to their clients directly; see TenantEventStreams.attach. */
  attach(
    tenantId: number,
    afterId: string | null,
    deliver: (entry: StreamedEvent) => void,
    onOverflow: () => void,
  ): Promise<{ detach(): void }> {
    this.streams ??= new TenantEventStreams(this.redis, this.prefix);
    return this.streams.attach(tenantId, afterId, deliver, onOverflow);
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

  /**
   * Appends an event to the tenant's stream. With an `eventId` (the outbox entry it comes from)
   * publishing is idempotent: a repeat within a day returns without adding a second entry.
   */
  async publish(
    tenantId: number,
    type: DomainEventType,
    data: Record<string, unknown> = {},
    options: { eventId?: string } = {},
  ): Promise<string> {
    const event: DomainEvent = {
      type,
      tenantId,
      data,
      at: new Date().toISOString(),
      ...(options.eventId ? { eventId: options.eventId } : {}),
    };
    const stream = tenantStreamKey(this.prefix, tenantId);
    if (!options.eventId) {
      return (
        (await this.redis.xadd(
          stream,
          'MAXLEN',
          '~',
          String(STREAM_MAX_LENGTH),
          '*',
          'event',
          JSON.stringify(event),
        )) ?? ''
      );
    }
    const published = await this.redis.digamePublishOnce(
      stream,
      `${stream}:published:${options.eventId}`,
      JSON.stringify(event),
      STREAM_MAX_LENGTH,
      PUBLISHED_MARK_SECONDS,
    );
    return published ?? '';
  }
}
