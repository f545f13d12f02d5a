import type { Redis } from 'ioredis';
import { type DomainEvent, domainEventSchema } from './domain-events.js';
import { tenantStreamKey } from './event-bus.js';

export interface StreamedEvent {
  /** Redis Stream entry id, `<ms>-<seq>`: the id clients resume from. */
  id: string;
  event: DomainEvent;
}

/** A subscriber further behind than this is cut off; it reconnects with its last id and catches up. */
const MAX_BUFFERED = 5_000;
const REPLAY_PAGE = 500;
const BLOCK_MS = 5_000;

type Listener = (entry: StreamedEvent) => void;

/** Stream ids compare as (ms, seq) pairs. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

/** A stream entry as published by EventPublisher; anything else is skipped. */
export function parseEntry(id: string, fields: string[]): StreamedEvent | null {
  const raw = fields[fields.indexOf('event') + 1];
  if (raw === undefined) return null;
  const parsed = domainEventSchema.safeParse(JSON.parse(raw));
  return parsed.success ? { id, event: parsed.data } : null;
}

/**
 * The subscribing half of the event bus, one per api process. A single reader connection tails the
 * streams of every tenant that has local subscribers (one blocking XREAD over all of them) and fans
 * each entry out in memory, so a thousand subscribers cost one Redis connection, not a thousand.
 *
 * A subscription never misses an entry: it registers with the reader first (whose cursor for a newly
 * followed tenant starts at that stream's last entry at registration time), then replays from the
 * client's last id with XRANGE, then hands out buffered live entries newer than the last one given.
 */
export class TenantEventStreams {
  private readonly followed = new Map<number, { cursor: string; listeners: Set<Listener> }>();
  private reader: Redis | null = null;
  private readerId: number | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Entries of one tenant's stream after `afterId` (or from now on when null), until `signal` aborts. */
  async *subscribe(tenantId: number, afterId: string | null, signal: AbortSignal): AsyncGenerator<StreamedEvent> {
    const buffered: StreamedEvent[] = [];
    let overflowed = false;
    let wake: (() => void) | null = null;
    const listener: Listener = (entry) => {
      if (buffered.length >= MAX_BUFFERED) overflowed = true;
      else buffered.push(entry);
      wake?.();
    };
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    const key = tenantStreamKey(this.prefix, tenantId);
    try {
      const tail = await this.follow(tenantId, listener);
      // Replay even without a last id: entries added between reading the tail and registering the
      // listener reached only the listeners registered before, so they are read back here.
      let last = afterId ?? tail;
      for (;;) {
        const page = await this.redis.xrange(key, `(${last}`, '+', 'COUNT', REPLAY_PAGE);
        for (const [id, fields] of page) {
          last = id;
          const entry = parseEntry(id, fields);
          if (entry) yield entry;
          if (signal.aborted) return;
        }
        if (page.length < REPLAY_PAGE) break;
      }
      while (!signal.aborted && !overflowed && !this.closed) {
        const entry = buffered.shift();
        if (!entry) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = null;
          continue;
        }
        if (compareStreamIds(entry.id, last) <= 0) continue;
        last = entry.id;
        yield entry;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.unfollow(tenantId, listener);
    }
  }

  /**
   * The push form of subscribe(), for a transport that writes each entry straight to its client:
   * `deliver` is called in stream order, first with what came after `afterId` (from now on when
   * null), then synchronously from the shared reader for each live entry, with the same entry
   * object every subscriber of that tenant gets (so a transport can serialize it once). Resolves
   * once the replay is done; `detach` stops delivery. A subscriber whose live entries arrive while
   * its replay runs and exceed MAX_BUFFERED is cut off through `onOverflow` (it resumes from its last id).
   */
  async attach(
    tenantId: number,
    afterId: string | null,
    deliver: (entry: StreamedEvent) => void,
    onOverflow: () => void,
  ): Promise<{ detach(): void }> {
    let replaying = true;
    let detached = false;
    let buffered: StreamedEvent[] | null = [];
    let last = '';
    // Until one live entry is newer than the last replayed one, live entries may repeat the replay.
    let caughtUp = false;
    const listener: Listener = (entry) => {
      if (replaying) {
        if (buffered && buffered.length < MAX_BUFFERED) buffered.push(entry);
        else if (buffered) {
          buffered = null;
          onOverflow();
        }
        return;
      }
      if (!caughtUp) {
        if (compareStreamIds(entry.id, last) <= 0) return;
        caughtUp = true;
      }
      deliver(entry);
    };
    const detach = () => {
      detached = true;
      this.unfollow(tenantId, listener);
    };
    const key = tenantStreamKey(this.prefix, tenantId);
    try {
      const tail = await this.follow(tenantId, listener);
      last = afterId ?? tail;
      for (;;) {
        if (detached) return { detach };
        const page = await this.redis.xrange(key, `(${last}`, '+', 'COUNT', REPLAY_PAGE);
        for (const [id, fields] of page) {
          last = id;
          const entry = parseEntry(id, fields);
          if (entry && !detached) deliver(entry);
        }
        if (page.length < REPLAY_PAGE) break;
      }
      const pending = buffered ?? [];
      buffered = [];
      for (const entry of pending) {
        if (detached || compareStreamIds(entry.id, last) <= 0) continue;
        last = entry.id;
        deliver(entry);
      }
      replaying = false;
      return { detach };
    } catch (error) {
      detach();
      throw error;
    }
  }

  /** Starts following a tenant's stream for a listener; returns the stream's last id at this moment. */
  private async follow(tenantId: number, listener: Listener): Promise<string> {
    const key = tenantStreamKey(this.prefix, tenantId);
    const [latest] = await this.redis.xrevrange(key, '+', '-', 'COUNT', 1);
    const tail = latest?.[0] ?? '0-0';
    const existing = this.followed.get(tenantId);
    if (existing) {
      existing.listeners.add(listener);
      return tail;
    }
    this.followed.set(tenantId, { cursor: tail, listeners: new Set([listener]) });
    this.ensureReader();
    // The reader may be blocked on the previous set of streams: wake it so it adds this one now.
    if (this.readerId !== null) await this.redis.client('UNBLOCK', this.readerId);
    return tail;
  }

  private unfollow(tenantId: number, listener: Listener): void {
    const entry = this.followed.get(tenantId);
    if (!entry) return;
    entry.listeners.delete(listener);
    if (entry.listeners.size === 0) this.followed.delete(tenantId);
  }

  /** Starts the read loop unless it runs; synchronous, so two first subscribers never start two. */
  private ensureReader(): void {
    if (this.running || this.closed) return;
    if (!this.reader) {
      // It blocks in XREAD off the request path, so it may queue commands while reconnecting.
      const reader = this.redis.duplicate({ connectionName: 'event-stream-reader', enableOfflineQueue: true });
      // A reconnected reader has a new client id, which the next loop turn looks up again.
      reader.on('ready', () => {
        this.readerId = null;
      });
      this.reader = reader;
    }
    this.running = this.readLoop(this.reader).finally(() => {
      this.running = null;
      // A tenant followed while the loop was ending would otherwise wait for the next subscriber.
      if (this.followed.size > 0) this.ensureReader();
    });
  }

  private async readLoop(reader: Redis): Promise<void> {
    while (!this.closed && this.followed.size > 0) {
      if (this.readerId === null) {
        try {
          this.readerId = Number(await reader.client('ID'));
        } catch {
          if (this.closed) return;
        }
      }
      const tenants = [...this.followed.keys()];
      const cursors = tenants.map((tenantId) => this.followed.get(tenantId)?.cursor ?? '$');
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = (await reader.xread(
          'COUNT',
          REPLAY_PAGE,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...tenants.map((tenantId) => tenantStreamKey(this.prefix, tenantId)),
          ...cursors,
        )) as [string, [string, string[]][]][] | null;
      } catch {
        if (this.closed) return;
        // Connection trouble: ioredis reconnects; try again shortly rather than spinning.
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      for (const [key, entries] of reply ?? []) {
        const tenantId = Number(key.slice(key.lastIndexOf(':') + 1));
        const followed = this.followed.get(tenantId);
        if (!followed) continue;
        for (const [id, fields] of entries) {
          followed.cursor = id;
          const entry = parseEntry(id, fields);
          if (entry) for (const listener of followed.listeners) listener(entry);
        }
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reader?.disconnect();
    await this.running;
  }
}
