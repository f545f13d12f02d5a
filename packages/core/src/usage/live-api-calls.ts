import type { Redis } from 'ioredis';
import type { EventPublisher } from '../events/event-bus.js';

/** Coalescing window: at most one `usage.updated` per tenant per this many ms, across all api nodes. */
export const LIVE_USAGE_INTERVAL_MS = 1_000;
/** A stream marks its tenant as watched for this long and renews the mark while it stays open. */
export const WATCHED_MARK_MS = 60_000;

const watchedKey = (prefix: string, tenantId: number) => `${prefix}:live-usage:watched:${tenantId}`;
const sentKey = (prefix: string, tenantId: number) => `${prefix}:live-usage:sent:${tenantId}`;

/**
 * Live API-call counts for dashboards without a write per request. The request gate already
 * returns the hour's count; this remembers the latest per tenant in memory (no I/O on the request
 * path) and once a second, only for tenants some event stream is watching, publishes one
 * `usage.updated`. A `SET NX PX` per tenant keeps it to one event per second even when several api
 * nodes served that tenant's calls; a tenant nobody watches costs one EXISTS per second while it
 * makes calls, and nothing when it makes none.
 */
export class LiveApiCalls {
  /** Per tenant: the hour (its end, as the gate reports it) and the highest count seen in it. */
  private readonly latest = new Map<number, { hourEndMs: number; count: number }>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private flushing = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly events: Pick<EventPublisher, 'publish'>,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = LIVE_USAGE_INTERVAL_MS,
  ) {}

  /** The gate counted calls: `usedThisHour` is the tenant's count for the hour ending at `hourEndMs`. */
  counted(tenantId: number, usedThisHour: number, hourEndMs: number): void {
    const known = this.latest.get(tenantId);
    // Answers of concurrent requests arrive in any order: within an hour the highest count is the latest.
    if (known && known.hourEndMs === hourEndMs && known.count >= usedThisHour) return;
    if (known && known.hourEndMs > hourEndMs) return;
    this.latest.set(tenantId, { hourEndMs, count: usedThisHour });
    this.timer ??= setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref?.();
  }

  /** An event stream of this tenant is open here: its calls are worth announcing. */
  async watch(tenantId: number): Promise<void> {
    await this.redis.set(watchedKey(this.prefix, tenantId), '1', 'PX', WATCHED_MARK_MS);
  }

  /** Publishes the pending counts of watched tenants; tenants refused by the window wait for the next tick. */
  async flush(): Promise<void> {
    if (this.flushing || this.latest.size === 0) return;
    this.flushing = true;
    try {
      const pending = [...this.latest];
      const pipeline = this.redis.pipeline();
      for (const [tenantId] of pending) {
        pipeline.exists(watchedKey(this.prefix, tenantId));
        pipeline.set(sentKey(this.prefix, tenantId), '1', 'PX', this.intervalMs, 'NX');
      }
      const answers = (await pipeline.exec()) ?? [];
      await Promise.all(
        pending.map(async ([tenantId, reading], index) => {
          const watched = answers[index * 2]?.[1] === 1;
          const ourTurn = answers[index * 2 + 1]?.[1] === 'OK';
          if (!watched) {
            this.latest.delete(tenantId);
            return;
          }
          if (!ourTurn) return;
          if (this.latest.get(tenantId) === reading) this.latest.delete(tenantId);
          await this.events.publish(tenantId, 'usage.updated', { metric: 'api_calls', thisHour: reading.count });
        }),
      );
    } catch (error) {
      this.onError(error);
    } finally {
      this.flushing = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.latest.clear();
  }
}
