import { DOMAIN_EVENT_TYPES, type DomainEvent, mayReceiveEvent } from '@digame/core/events';
import type { TrackedEnvelope } from '@trpc/server';
import { z } from 'zod';
import { EventFeed, publicEvent } from '../event-feed.js';
import { router, tenantProcedure } from '../trpc.js';

const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
/** Each part of a Redis stream id is an unsigned 64-bit number; Redis refuses a larger one as an error. */
const MAX_STREAM_ID_PART = 2n ** 64n - 1n;
const STREAM_ID_MESSAGE = 'must be a stream id such as 1700000000000-0';

const streamId = z
  .string()
  .regex(STREAM_ID, STREAM_ID_MESSAGE)
  .refine(
    (id) => id.split('-').every((part) => BigInt(part) <= MAX_STREAM_ID_PART),
    `${STREAM_ID_MESSAGE}, each part at most ${MAX_STREAM_ID_PART}`,
  );

const domainEventOutput = z.object({
  type: z.enum(DOMAIN_EVENT_TYPES as [DomainEvent['type'], ...DomainEvent['type'][]]),
  /** The tenant's public id. */
  tenantId: z.uuid(),
  data: z.record(z.string(), z.unknown()),
  at: z.string(),
});

/** An event as clients see it: the stream holds the internal tenant id, clients get the public one. */
export type PublicDomainEvent = z.infer<typeof domainEventOutput>;

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  value !== null && typeof value === 'object' && Symbol.asyncIterator in value;

export const eventsRouter = router({
  /** The tenant's latest events the caller may see, newest first (e.g. to fill a feed before streaming). */
  recent: tenantProcedure
    .input(z.object({ limit: z.number().int().min(1).max(100).default(20) }).default({ limit: 20 }))
    .output(z.object({ events: z.array(z.object({ id: z.string(), event: domainEventOutput })) }))
    .query(async ({ ctx, input }) => {
      const entries = await ctx.events.recent(ctx.tenant.id, input.limit);
      return {
        events: entries
          .filter((entry) =>
            mayReceiveEvent(entry.event, ctx.principal.permissions, ctx.tenant.features, ctx.principal.userId),
          )
          .map((entry) => ({ id: entry.id, event: publicEvent(entry.event, ctx.tenant.uuid) })),
      };
    }),

  /**
   * Live events of the caller's tenant over SSE, each as `tracked(streamId, event)`. A client that
   * reconnects sends its last id (the EventSource does so by itself) and gets exactly what it missed.
   * Only events whose permission the caller holds (and whose feature the tenant has) are sent. The
   * credential is re-checked every EVENTS_RECHECK_SECONDS, so a revoked session or key, or a
   * suspended tenant, closes the stream.
   * Authenticate with the Authorization header (EventSource clients such as the `eventsource`
   * package accept a fetch that adds it), never with a secret in the URL. Over HTTP the api writes
   * the feed to the socket itself (see event-stream-route.ts); the wire format is tRPC's.
   */
  stream: tenantProcedure
    .input(z.object({ lastEventId: streamId.nullish() }).default({}))
    .output(z.custom<AsyncIterable<TrackedEnvelope<PublicDomainEvent>>>(isAsyncIterable))
    .subscription(({ ctx, input, signal }) => new EventFeed(ctx, input.lastEventId ?? null, signal)),
});
