import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context, MiddlewareHandler } from 'hono';
import type { RequestContext } from './context.js';
import { EventFeed, type SseOptions } from './event-feed.js';
import { appRouter } from './router.js';
import { createCallerFactory } from './trpc.js';

const createCaller = createCallerFactory(appRouter);
const sseConfig = appRouter._def._config.sse;
const SSE: SseOptions = {
  reconnectAfterInactivityMs: sseConfig?.client?.reconnectAfterInactivityMs ?? 30_000,
  pingIntervalMs: sseConfig?.ping?.intervalMs ?? 15_000,
};
/** The headers tRPC gives an SSE response. */
const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
};

/** The procedure's raw input as tRPC reads it from a GET: `?input=<json>`, plus the EventSource's last id. */
function rawInput(c: Context): { ok: true; input: unknown } | { ok: false } {
  const text = c.req.query('input');
  let input: unknown;
  if (text !== undefined) {
    try {
      input = JSON.parse(text);
    } catch {
      return { ok: false };
    }
  }
  const lastEventId = c.req.header('last-event-id') ?? c.req.query('lastEventId') ?? c.req.query('Last-Event-Id');
  if (lastEventId) {
    if (input !== null && typeof input === 'object' && !Array.isArray(input)) input = { ...input, lastEventId };
    else input ??= { lastEventId };
  }
  return { ok: true, input };
}

/**
 * GET /trpc/events.stream served without tRPC's per-subscriber web streams: the procedure runs
 * through a server-side caller (same middlewares, input schema and refusals), and the feed it
 * returns is written straight to the socket, each event serialized once for all subscribers of
 * its tenant. Anything else — a refusal, bad input, no socket (app.request() in tests) — falls
 * through to tRPC's handler, so errors reach the client exactly as before.
 */
export function eventStreamRoute(
  context: (c: Context) => RequestContext,
  headers: (c: Context) => Record<string, string>,
): MiddlewareHandler {
  return async (c, next) => {
    const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
    const parsed = rawInput(c);
    if (!outgoing || !parsed.ok) return next();
    let feed: unknown;
    try {
      feed = await createCaller(context(c)).events.stream(parsed.input as never);
    } catch {
      return next();
    }
    if (!(feed instanceof EventFeed)) return next();
    await feed.serve(outgoing, { ...SSE_HEADERS, ...headers(c) }, SSE);
    // Tells @hono/node-server the response went out on the socket already (headers set on it later
    // by the middlewares above are never sent).
    return RESPONSE_ALREADY_SENT;
  };
}
