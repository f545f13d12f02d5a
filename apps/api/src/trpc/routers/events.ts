import { apiKeyKey, type CredentialRecord, sessionKey } from '@digame/core/auth';
import { DOMAIN_EVENT_TYPES, type DomainEvent, mayReceiveEvent } from '@digame/core/events';
import type { TenantFacts } from '@digame/core/tenants';
import { type TrackedEnvelope, tracked } from '@trpc/server';
import { z } from 'zod';
import type { Principal } from '../../request/caller.js';
import type { RequestContext } from '../context.js';
import { router, tenantProcedure } from '../trpc.js';

const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

const domainEventOutput = z.object({
  type: z.enum(DOMAIN_EVENT_TYPES as [DomainEvent['type'], ...DomainEvent['type'][]]),
  tenantId: z.number(),
  data: z.record(z.string(), z.unknown()),
  at: z.string(),
});

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  value !== null && typeof value === 'object' && Symbol.asyncIterator in value;

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

export const eventsRouter = router({
  /** The tenant's latest events the caller may see, newest first (e.g. to fill a feed before streaming). */
  recent: tenantProcedure
    .input(z.object({ limit: z.number().int().min(1).max(100).default(20) }).default({ limit: 20 }))
    .output(z.object({ events: z.array(z.object({ id: z.string(), event: domainEventOutput })) }))
    .query(async ({ ctx, input }) => {
      const entries = await ctx.events.recent(ctx.tenant.id, input.limit);
      return {
        events: entries.filter((entry) => mayReceiveEvent(entry.event, ctx.principal.permissions, ctx.tenant.features)),
      };
    }),

  /**
   * Live events of the caller's tenant over SSE, each as `tracked(streamId, event)`. A client that
   * reconnects sends its last id (the EventSource does so by itself) and gets exactly what it missed.
   * Only events whose permission the caller holds (and whose feature the tenant has) are sent. The
   * credential is re-checked every EVENTS_RECHECK_SECONDS, so a revoked session or key, or a
   * suspended tenant, closes the stream.
   * Authenticate with the Authorization header (EventSource clients such as the `eventsource`
   * package accept a fetch that adds it), never with a secret in the URL.
   */
  stream: tenantProcedure
    .input(
      z
        .object({ lastEventId: z.string().regex(STREAM_ID, 'must be a stream id such as 1700000000000-0').nullish() })
        .default({}),
    )
    .output(z.custom<AsyncIterable<TrackedEnvelope<DomainEvent>>>(isAsyncIterable))
    .subscription(async function* ({ ctx, input, signal }) {
      const closed = new AbortController();
      const onAbort = () => closed.abort();
      signal?.addEventListener('abort', onAbort);
      let entitlement: Entitlement = { permissions: ctx.principal.permissions, features: ctx.tenant.features };
      const recheck = setInterval(() => {
        currentEntitlement(ctx, ctx.principal).then(
          (now) => {
            if (now) entitlement = now;
            else closed.abort();
          },
          (error: unknown) => ctx.logger.warn({ err: error }, 'event stream re-check failed'),
        );
      }, ctx.config.EVENTS_RECHECK_SECONDS * 1000);
      try {
        for await (const entry of ctx.events.subscribe(ctx.tenant.id, input.lastEventId ?? null, closed.signal)) {
          if (mayReceiveEvent(entry.event, entitlement.permissions, entitlement.features)) {
            yield tracked(entry.id, entry.event);
          }
        }
      } finally {
        clearInterval(recheck);
        signal?.removeEventListener('abort', onAbort);
      }
    }),
});
