import type { ServerResponse } from 'node:http';
import { apiKeyKey, type CredentialRecord, sessionKey } from '@digame/core/auth';
import { type DomainEvent, mayReceiveEvent, type StreamedEvent } from '@digame/core/events';
import type { TenantFacts } from '@digame/core/tenants';
import { WATCHED_MARK_MS } from '@digame/core/usage';
import { type TrackedEnvelope, tracked } from '@trpc/server';
import type { Principal } from '../request/caller.js';
import type { RequestContext } from './context.js';
import type { PublicDomainEvent } from './routers/events.js';

/** What a subscriber may receive: its credential's permissions and its tenant's features. */
interface Entitlement {
  permissions: ReadonlySet<string>;
  features: TenantFacts['features'];
}

/**
 * What the credential behind a stream allows now, or null once it has ended (session revoked,
 * idled out or expired; key revoked or expired) or its tenant was suspended.
 */
async function currentEntitlement(ctx: RequestContext, principal: Principal): Promise<Entitlement | null> {
  const prefix = ctx.config.REDIS_PREFIX;
  const key =
    principal.kind === 'session' ? sessionKey(prefix, principal.sessionId) : apiKeyKey(prefix, principal.keyId);
  const raw = await ctx.redis.get(key);
  if (!raw) return null;
  const record = JSON.parse(raw) as CredentialRecord;
  if (record.expiresAt !== null && record.expiresAt <= Date.now()) return null;
  const tenant = await ctx.tenants.get(principal.tenantId);
  if (!tenant?.isActive) return null;
  return {
    permissions: new Set(record.kind === 'session' ? record.permissions : record.scopes),
    features: tenant.features,
  };
}

/** tRPC's SSE framing (see @trpc/server's sseStreamProducer), which httpSubscriptionLink reads. */
export interface SseOptions {
  /** Sent in the `connected` event; the client reconnects after this long without a message. */
  reconnectAfterInactivityMs: number;
  pingIntervalMs: number;
}

/** The event as clients get it: the stream holds the internal tenant id, clients the public one. */
export function publicEvent(event: DomainEvent, tenantUuid: string): PublicDomainEvent {
  return { ...event, tenantId: tenantUuid };
}

interface Frame {
  /** The SSE frame, for ServerResponse.write. */
  sse: Buffer;
  /** The same frame as one HTTP/1.1 chunk (size line, frame, CRLF), for a socket write. */
  chunk: Buffer;
}

const frames = new WeakMap<StreamedEvent, Frame>();
/**
 * The SSE frame of a tracked event; one per stream entry, shared by every subscriber (all of them
 * of the entry's tenant, so of the same public tenant id), in both framings.
 */
function eventFrame(entry: StreamedEvent, tenantUuid: string): Frame {
  let frame = frames.get(entry);
  if (!frame) {
    const sse = Buffer.from(`data: ${JSON.stringify(publicEvent(entry.event, tenantUuid))}\nid: ${entry.id}\n\n\n`);
    frame = { sse, chunk: Buffer.concat([Buffer.from(`${sse.length.toString(16)}\r\n`), sse, CRLF]) };
    frames.set(entry, frame);
  }
  return frame;
}
const CRLF = Buffer.from('\r\n');

/**
 * Writes a frame to a subscriber. Once the head is out and the response holds nothing unsent, the
 * chunk goes straight to the socket as one write: what ServerResponse.write would send for it
 * (size line, data, CRLF) without its per-write cork, next-tick uncork and four-part writev, paid
 * once per subscriber per event. `ok` false: past the high-water mark.
 */
function writeFrame(response: ServerResponse, frame: Frame): { ok: boolean; unsent: number } {
  const socket = response.socket;
  if (socket && response.headersSent && response.chunkedEncoding && response.writableLength === 0) {
    return { ok: socket.write(frame.chunk), unsent: socket.writableLength };
  }
  return { ok: response.write(frame.sse), unsent: response.writableLength };
}
const PING_FRAME = Buffer.from('event: ping\ndata: \n\n\n');
const RETURN_FRAME = Buffer.from('event: return\ndata: \n\n\n');
/** Past this much unsent data a subscriber is cut off; it reconnects with its last id and catches up. */
const MAX_UNSENT_BYTES = 1024 * 1024;

/** Open direct streams, pinged together by one timer rather than one per subscriber. */
const openStreams = new Set<ServerResponse>();
let pinger: NodeJS.Timeout | null = null;
function track(response: ServerResponse, pingIntervalMs: number): void {
  openStreams.add(response);
  pinger ??= setInterval(() => {
    for (const stream of openStreams) stream.write(PING_FRAME);
  }, pingIntervalMs).unref();
}
function untrack(response: ServerResponse): void {
  openStreams.delete(response);
  if (openStreams.size === 0 && pinger) {
    clearInterval(pinger);
    pinger = null;
  }
}

/**
 * A caller's live event feed: the tenant's events after `lastEventId` that the credential may
 * receive, re-checking the credential every EVENTS_RECHECK_SECONDS so a revoked session or key, or
 * a suspended tenant, ends it. Two ways to deliver it, with the same events in the same frames:
 * - `serve` writes straight to the HTTP response, each event serialized once for all subscribers of
 *   the tenant (the api's SSE route uses this);
 * - iterating it yields `tracked(id, event)`, for tRPC's own SSE handling (e.g. `app.request()` in
 *   tests, which has no socket).
 */
export class EventFeed implements AsyncIterable<TrackedEnvelope<PublicDomainEvent>> {
  private entitlement: Entitlement;

  constructor(
    private readonly ctx: RequestContext & { principal: Principal; tenant: TenantFacts },
    private readonly lastEventId: string | null,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.entitlement = { permissions: ctx.principal.permissions, features: ctx.tenant.features };
  }

  private mayReceive(entry: StreamedEvent): boolean {
    return mayReceiveEvent(
      entry.event,
      this.entitlement.permissions,
      this.entitlement.features,
      this.ctx.principal.userId,
    );
  }

  /**
   * Calls `onEnded` once the credential no longer allows the stream; returns the stopper. While it
   * runs, the tenant is marked as watched, so its API calls are announced live (LiveApiCalls).
   */
  private recheck(onEnded: () => void): () => void {
    const watch = () =>
      void this.ctx.liveApiCalls
        .watch(this.ctx.tenant.id)
        .catch((error: unknown) => this.ctx.logger.warn({ err: error }, 'marking live usage as watched failed'));
    watch();
    const rewatch = setInterval(watch, WATCHED_MARK_MS / 3);
    const timer = setInterval(() => {
      currentEntitlement(this.ctx, this.ctx.principal).then(
        (now) => {
          if (now) this.entitlement = now;
          else onEnded();
        },
        (error: unknown) => this.ctx.logger.warn({ err: error }, 'event stream re-check failed'),
      );
    }, this.ctx.config.EVENTS_RECHECK_SECONDS * 1000);
    return () => {
      clearInterval(timer);
      clearInterval(rewatch);
    };
  }

  /**
   * Writes the stream to `response` (with these headers) until the client leaves, the credential
   * ends, or the client falls too far behind. The head and tRPC's `connected` event go out once the
   * feed follows the tenant's stream, so an event published after the client saw `connected`
   * always reaches it.
   */
  async serve(response: ServerResponse, head: Record<string, string>, sse: SseOptions): Promise<void> {
    let opened = false;
    let finished = false;
    let subscription: { detach(): void } | null = null;
    const open = () => {
      if (opened || finished) return;
      opened = true;
      response.writeHead(200, head);
      response.write(
        `event: connected\ndata: ${JSON.stringify({ reconnectAfterInactivityMs: sse.reconnectAfterInactivityMs })}\n\n\n`,
      );
    };
    const finish = (frame: Buffer | null) => {
      if (finished) return;
      finished = true;
      stopRecheck();
      subscription?.detach();
      untrack(response);
      if (frame && opened && !response.destroyed) response.end(frame);
      else response.destroy();
    };
    const stopRecheck = this.recheck(() => finish(RETURN_FRAME));
    response.once('close', () => finish(null));
    const deliver = (entry: StreamedEvent) => {
      if (finished || !this.mayReceive(entry)) return;
      open();
      const written = writeFrame(response, eventFrame(entry, this.ctx.tenant.uuid));
      if (!written.ok && written.unsent > MAX_UNSENT_BYTES) finish(null);
    };
    try {
      subscription = await this.ctx.events.attach(this.ctx.tenant.id, this.lastEventId, deliver, () => finish(null));
    } catch (error) {
      this.ctx.logger.warn({ err: error }, 'event stream failed to open');
      finish(null);
      return;
    }
    if (finished) {
      subscription.detach();
      return;
    }
    open();
    track(response, sse.pingIntervalMs);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<TrackedEnvelope<PublicDomainEvent>> {
    const closed = new AbortController();
    const onAbort = () => closed.abort();
    this.signal?.addEventListener('abort', onAbort);
    const stopRecheck = this.recheck(() => closed.abort());
    try {
      for await (const entry of this.ctx.events.subscribe(this.ctx.tenant.id, this.lastEventId, closed.signal)) {
        if (this.mayReceive(entry)) yield tracked(entry.id, publicEvent(entry.event, this.ctx.tenant.uuid));
      }
    } finally {
      stopRecheck();
      this.signal?.removeEventListener('abort', onAbort);
    }
  }
}
