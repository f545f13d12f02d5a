import { randomUUID } from 'node:crypto';
import { outageError } from '@digame/core/errors';
import { checkHealth } from '@digame/core/health';
import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { mountMetrics } from './metrics.js';
import { ANONYMOUS, type Caller } from './request/caller.js';
import { crossSiteGuard } from './request/cross-site.js';
import { authenticateOrRefuse } from './request/outage.js';
import { createAuditRoutes } from './rest/audit-routes.js';
import { createDataRoutes } from './rest/data-routes.js';
import { createFileRoutes } from './rest/file-routes.js';
import { createRestApi } from './rest/rest-api.js';
import { createRestoreRoutes } from './rest/restore-routes.js';
import type { ApiDeps, RequestContext } from './trpc/context.js';
import { trpcErrorBody } from './trpc/error-shape.js';
import { eventStreamRoute } from './trpc/event-stream-route.js';
import { trpcHandler } from './trpc/single-call.js';
import { mountConsole } from './web-console.js';

type Env = { Variables: { requestId: string; ipAddress: string | null; caller: Caller; responseHeaders: Headers } };

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;
/** No call needs more than a few kilobytes; a body past this is refused before anything parses it. */
const MAX_BODY_BYTES = 1024 * 1024;

/** The api's HTTP surface; main.ts adds the listener, tests may call app.request() directly. */
export function createApp(deps: ApiDeps): Hono<Env> {
  const app = new Hono<Env>();
  const authenticateDeps = { ...deps, redisPrefix: deps.config.REDIS_PREFIX };

  app.use('*', async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    c.set('ipAddress', clientAddress(c, deps.config.TRUSTED_PROXIES));
    const started = performance.now();
    await next();
    // Set on the final response: handlers such as tRPC's build their own Response object.
    c.res.headers.set('X-Request-Id', requestId);
    const caller = c.get('caller');
    const durationMs = performance.now() - started;
    // Per-tenant performance for operators: counted in memory here, flushed to Redis off the request path.
    if (caller?.tenant) deps.apiPerformance.record(caller.tenant.id, c.res.status, durationMs);
    deps.logger.info(
      {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round(durationMs),
        tenantId: caller?.tenant?.id ?? null,
      },
      'request',
    );
  });
  mountMetrics(app, deps, (c) => c.get('ipAddress'));
  // File bytes and restore archives stream past the small-body limit below: their size is checked
  // against the quota, or the archive limit, instead.
  app.route('/api', createFileRoutes(deps));
  app.route('/api', createAuditRoutes(deps));
  app.route('/api', createDataRoutes(deps));
  app.route('/api', createRestoreRoutes(deps));

  const tooLarge = `Request bodies are limited to ${MAX_BODY_BYTES} bytes`;
  app.use(
    '/api/*',
    limitBody((c) => c.json({ error: { code: 'PAYLOAD_TOO_LARGE', message: tooLarge } }, 413)),
  );
  app.use(
    '/trpc/*',
    limitBody((c) => c.json(trpcErrorBody('PAYLOAD_TOO_LARGE', 413, tooLarge), 413)),
  );

  app.get('/healthz', async (c) => {
    const report = await checkHealth(deps);
    return c.json(report, report.status === 'ok' ? 200 : 503);
  });

  app.route('/api', createRestApi(deps));

  app.use('/trpc/*', crossSiteGuard(deps.config.APP_URL));

  app.use('/trpc/*', async (c, next) => {
    const caller = await authenticateOrRefuse(authenticateDeps, {
      authorization: c.req.header('authorization') ?? null,
      ipAddress: c.get('ipAddress'),
      calls: procedureCount(c.req.path),
      procedures: procedureNames(c.req.path),
    });
    c.set('caller', caller);
    c.set('responseHeaders', new Headers());
    await next();
    for (const [name, value] of c.get('responseHeaders')) c.res.headers.append(name, value);
    for (const [name, value] of Object.entries(rateLimitHeaders(caller))) c.res.headers.set(name, value);
  });

  const requestContext = (c: Context<Env>): RequestContext => ({
    ...deps,
    requestId: c.get('requestId'),
    ipAddress: c.get('ipAddress'),
    userAgent: c.req.header('user-agent') ?? null,
    caller: c.get('caller') ?? ANONYMOUS,
    cookieHeader: c.req.header('cookie') ?? null,
    responseHeaders: c.get('responseHeaders'),
  });

  // Event streams write their head themselves, so they get here what the middlewares above add after next().
  app.get(
    '/trpc/events.stream',
    eventStreamRoute(requestContext, (c) => ({
      'X-Request-Id': c.get('requestId'),
      ...Object.fromEntries(c.get('responseHeaders')),
      ...rateLimitHeaders(c.get('caller')),
    })),
  );

  app.use('/trpc/*', trpcHandler(requestContext));

  // In production the same process serves the console; every api route above comes first.
  if (deps.config.WEB_DIST_DIR) mountConsole(app, deps.config.WEB_DIST_DIR);

  app.notFound((c) =>
    c.json({ error: { code: 'NOT_FOUND', message: `No route for ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.onError((error, c) => {
    const onTrpc = c.req.path.startsWith('/trpc');
    const outage = outageError(error);
    if (outage) {
      c.header('Retry-After', String(outage.retryAfterSeconds));
      return onTrpc
        ? c.json(trpcErrorBody('SERVICE_UNAVAILABLE', 503, outage.message, outage.details), 503)
        : c.json({ error: { code: outage.code, message: outage.message, details: outage.details } }, 503);
    }
    deps.logger.error({ err: error, requestId: c.get('requestId') }, 'unhandled error');
    return onTrpc
      ? c.json(trpcErrorBody('INTERNAL_SERVER_ERROR', 500, 'Internal server error'), 500)
      : c.json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } }, 500);
  });

  return app;
}

/**
 * Hono's bodyLimit, for requests that may carry a body: a GET or HEAD has none, and asking Hono's
 * Node request for its body would build a full Fetch Request just to learn that.
 */
function limitBody(onError: Parameters<typeof bodyLimit>[0]['onError']): MiddlewareHandler<Env> {
  const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError });
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    return limit(c, next);
  };
}

/** The caller's hourly limit as response headers (Retry-After once it is reached). */
function rateLimitHeaders(caller: Caller): Record<string, string> {
  const rate = caller.rateLimit;
  if (!rate) return {};
  const headers: Record<string, string> = {
    'X-RateLimit-Limit': String(rate.limit),
    'X-RateLimit-Remaining': String(rate.remaining),
    'X-RateLimit-Reset': String(Math.ceil(rate.resetAtMs / 1000)),
  };
  if (rate.limited) headers['Retry-After'] = String(Math.max(1, Math.ceil((rate.resetAtMs - Date.now()) / 1000)));
  return headers;
}

/** `/trpc/a.b,c.d` is a batch of two calls; each counts against the hourly limit. */
function procedureCount(path: string): number {
  const procedures = path.slice('/trpc/'.length);
  return procedures ? procedures.split(',').length : 1;
}

function procedureNames(path: string): string[] {
  const procedures = path.slice('/trpc/'.length);
  return procedures ? procedures.split(',') : [];
}

/**
 * The caller's address. Behind N trusted proxies it is the N-th address from the right of
 * X-Forwarded-For (what the outermost trusted proxy saw); anything further left is client-supplied.
 */
function clientAddress(c: Context, trustedProxies: number): string | null {
  if (trustedProxies > 0) {
    const hops = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((hop) => hop.trim())
      .filter(Boolean);
    const address = hops[hops.length - trustedProxies];
    if (address) return address;
  }
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    // app.request() in tests has no socket.
    return null;
  }
}
