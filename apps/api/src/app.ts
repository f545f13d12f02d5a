import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { outageError } from '@digame/core/errors';
import { checkHealth } from '@digame/core/health';
import { createLogger } from '@digame/core/logging';
import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { mountMetrics } from './metrics.js';
import { ANONYMOUS, type Caller } from './request/caller.js';
import { crossSiteGuard, crossSiteRefusal } from './request/cross-site.js';
import { authenticateOrRefuse } from './request/outage.js';
import { createAuditRoutes } from './rest/audit-routes.js';
import { createDataRoutes } from './rest/data-routes.js';
import { createFileRoutes } from './rest/file-routes.js';
import { createRestApi } from './rest/rest-api.js';
import { createRestoreRoutes } from './rest/restore-routes.js';
import type { ApiDeps, RequestContext } from './trpc/context.js';
import { trpcErrorBody } from './trpc/error-shape.js';
import { eventStreamRoute } from './trpc/event-stream-route.js';
import { answerSingleCall, JSON_HEADERS, type SingleCall, singleCallOf, trpcHandler } from './trpc/single-call.js';
import { mountConsole } from './web-console.js';

type Env = { Variables: { requestId: string; ipAddress: string | null; caller: Caller; responseHeaders: Headers } };

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;
/** No call needs more than a few kilobytes; a body past this is refused before anything parses it. */
const MAX_BODY_BYTES = 1024 * 1024;

/** The api's HTTP surface as a Hono app, for tests calling app.request() directly; see createApi. */
export function createApp(deps: ApiDeps): Hono<Env> {
  return createApi(deps).app;
}

export interface Api {
  app: Hono<Env>;
  /**
   * Answers a single tRPC call (see singleCallOf) on Node's own request and response, with the same
   * steps as the app's middlewares below; false, having touched nothing, for any other request.
   */
  singleCallLane(req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * The api's HTTP surface: the Hono app, and the lane beside it that serves most traffic. A single
 * query or mutation skips Hono's middleware chain, its Request and Response objects and the
 * Headers they carry, which cost a cheap call about a fifth of its CPU; every step of the chain
 * that applies to such a call is a function shared by both (request id, client address, cross-site
 * guard, authentication, rate-limit headers, metrics, the line per request, the error answers).
 */
export function createApi(deps: ApiDeps): Api {
  const app = new Hono<Env>();
  const authenticateDeps = { ...deps, redisPrefix: deps.config.REDIS_PREFIX };
  // The line per request holds only the fields below (a path, never its query): nothing to redact.
  const requestLog = createLogger('api', deps.config.LOG_LEVEL, { redact: false, buffered: { flushMs: 1_000 } });
  const finished = (
    requestId: string,
    method: string,
    path: string,
    status: number,
    durationMs: number,
    caller: Caller | undefined,
  ) => {
    // Per-tenant performance for operators: counted in memory here, flushed to Redis off the request path.
    if (caller?.tenant) deps.apiPerformance.record(caller.tenant.id, status, durationMs);
    requestLog.info(
      { requestId, method, path, status, durationMs: Math.round(durationMs), tenantId: caller?.tenant?.id ?? null },
      'request',
    );
  };
  const authenticateCall = (authorization: string | undefined, ipAddress: string | null, path: string) =>
    authenticateOrRefuse(authenticateDeps, {
      authorization: authorization ?? null,
      ipAddress,
      calls: procedureCount(path),
      procedures: procedureNames(path),
    });

  app.use('*', async (c, next) => {
    const requestId = requestIdOf(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    c.set('ipAddress', clientAddress(c, deps.config.TRUSTED_PROXIES));
    const started = performance.now();
    await next();
    // Set on the final response: handlers such as tRPC's build their own Response object.
    c.res.headers.set('X-Request-Id', requestId);
    finished(requestId, c.req.method, c.req.path, c.res.status, performance.now() - started, c.get('caller'));
  });
  const metrics = mountMetrics(app, deps, (c) => c.get('ipAddress'));
  // File bytes and restore archives stream past the small-body limit below: their size is checked
  // against the quota, or the archive limit, instead.
  app.route('/api', createFileRoutes(deps));
  app.route('/api', createAuditRoutes(deps));
  app.route('/api', createDataRoutes(deps));
  app.route('/api', createRestoreRoutes(deps));

  app.use(
    '/api/*',
    limitBody((c) => c.json({ error: { code: 'PAYLOAD_TOO_LARGE', message: TOO_LARGE } }, 413)),
  );
  app.use(
    '/trpc/*',
    limitBody((c) => c.json(trpcErrorBody('PAYLOAD_TOO_LARGE', 413, TOO_LARGE), 413)),
  );

  app.get('/healthz', async (c) => {
    const report = await checkHealth(deps);
    return c.json(report, report.status === 'ok' ? 200 : 503);
  });

  app.route('/api', createRestApi(deps));

  app.use('/trpc/*', crossSiteGuard(deps.config.APP_URL));

  app.use('/trpc/*', async (c, next) => {
    const caller = await authenticateCall(c.req.header('authorization'), c.get('ipAddress'), c.req.path);
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
    const answer = unexpectedErrorAnswer(deps, error, c.get('requestId'), onTrpc);
    if (answer.retryAfter) c.header('Retry-After', answer.retryAfter);
    return c.json(answer.body, answer.status);
  });

  // ── the single-call lane: the same steps as the chain above, for a single query or mutation ──
  const crossSite = crossSiteRefusal(deps.config.APP_URL);
  const singleCallLane = (req: IncomingMessage, res: ServerResponse): boolean => {
    const call = singleCallOf(req.method, req.url, (name) => headerOf(req, name));
    if (!call) return false;
    serveSingleCall(req, res, call).catch((error: unknown) => {
      // Only writing the answer can fail here (everything before it is answered as an error):
      // the socket is ended rather than left waiting, and the process goes on.
      deps.logger.error({ err: error }, 'writing a single-call answer failed');
      res.destroy();
    });
    return true;
  };

  async function serveSingleCall(req: IncomingMessage, res: ServerResponse, call: SingleCall): Promise<void> {
    const started = performance.now();
    const requestId = requestIdOf(headerOf(req, 'x-request-id'));
    const method = req.method as string;
    const path = `/trpc/${call.path}`;
    let caller: Caller | undefined;
    let status: number;
    let body: string;
    // Lower-case names, as Fetch's Headers keeps them, so one header is never sent twice.
    const headers: OutgoingHttpHeaders = { 'x-request-id': requestId };
    try {
      const ipAddress = clientAddressOf(
        headerOf(req, 'x-forwarded-for'),
        req.socket.remoteAddress,
        deps.config.TRUSTED_PROXIES,
      );
      const text = method === 'POST' ? await readBody(req, MAX_BODY_BYTES) : '';
      const refused =
        text === null
          ? { status: 413, body: trpcErrorBody('PAYLOAD_TOO_LARGE', 413, TOO_LARGE) }
          : crossSite({
              path,
              method,
              contentType: headerOf(req, 'content-type'),
              origin: headerOf(req, 'origin'),
              cookie: headerOf(req, 'cookie'),
            });
      if (refused) {
        status = refused.status;
        body = JSON.stringify(refused.body);
        headers['content-type'] = 'application/json';
        // A body past the limit is not read to its end: the connection closes after the answer.
        if (text === null) headers.connection = 'close';
      } else {
        caller = await authenticateCall(headerOf(req, 'authorization'), ipAddress, path);
        const responseHeaders = new Headers();
        const ctx: RequestContext = {
          ...deps,
          requestId,
          ipAddress,
          userAgent: headerOf(req, 'user-agent') ?? null,
          caller,
          cookieHeader: headerOf(req, 'cookie') ?? null,
          responseHeaders,
        };
        const answer = await answerSingleCall(call, ctx, () => text as string);
        status = answer.status;
        body = answer.body;
        Object.assign(headers, JSON_HEADERS);
        // As the chain does: what the procedure set is added, then the rate-limit headers set.
        for (const [name, value] of responseHeaders) {
          const present = headers[name];
          if (present === undefined) headers[name] = value;
          else if (name === 'set-cookie') headers[name] = [present as string, value].flat();
          else headers[name] = `${present}, ${value}`;
        }
        for (const [name, value] of Object.entries(rateLimitHeaders(caller))) headers[name.toLowerCase()] = value;
      }
    } catch (error) {
      // A request its client gave up on mid-body has no one to answer.
      if (req.destroyed && !req.complete) return;
      const answer = unexpectedErrorAnswer(deps, error, requestId, true);
      status = answer.status;
      body = JSON.stringify(answer.body);
      headers['content-type'] = 'application/json';
      if (answer.retryAfter) headers['retry-after'] = answer.retryAfter;
    }
    if (!res.destroyed) {
      res.writeHead(status, headers);
      res.end(body);
    }
    const durationMs = performance.now() - started;
    metrics.observe(path, status, durationMs / 1000);
    finished(requestId, method, path, status, durationMs, caller);
  }

  return { app, singleCallLane };
}

const TOO_LARGE = `Request bodies are limited to ${MAX_BODY_BYTES} bytes`;

/** A request header as one string (Node joins repeated ones, as Fetch's Headers does). */
function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The request body as text, or null once it passes `limit` bytes (declared or sent). */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  if (Number(req.headers['content-length']) > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    // As Fetch's text(): UTF-8 with a leading BOM dropped and bad sequences replaced.
    req.once('end', () => resolve(new TextDecoder().decode(Buffer.concat(chunks))));
    req.once('error', reject);
    // Aborted before its end (not every abort is an 'error'): nothing more will come.
    req.once('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}

/** The answer to an error nothing else answered: 503 with Retry-After for an outage, else a logged 500. */
function unexpectedErrorAnswer(deps: ApiDeps, error: unknown, requestId: string | undefined, onTrpc: boolean) {
  const outage = outageError(error);
  if (outage) {
    return {
      status: 503 as const,
      retryAfter: String(outage.retryAfterSeconds),
      body: onTrpc
        ? trpcErrorBody('SERVICE_UNAVAILABLE', 503, outage.message, outage.details)
        : { error: { code: outage.code, message: outage.message, details: outage.details } },
    };
  }
  deps.logger.error({ err: error, requestId }, 'unhandled error');
  return {
    status: 500 as const,
    retryAfter: null,
    body: onTrpc
      ? trpcErrorBody('INTERNAL_SERVER_ERROR', 500, 'Internal server error')
      : { error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } },
  };
}

/** The caller's X-Request-Id when it is a sane one, else a fresh id. */
function requestIdOf(incoming: string | undefined): string {
  return incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
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
function clientAddressOf(
  forwardedFor: string | undefined,
  socketAddress: string | undefined,
  trustedProxies: number,
): string | null {
  if (trustedProxies > 0) {
    const hops = (forwardedFor ?? '')
      .split(',')
      .map((hop) => hop.trim())
      .filter(Boolean);
    const address = hops[hops.length - trustedProxies];
    if (address) return address;
  }
  return socketAddress ?? null;
}

function clientAddress(c: Context, trustedProxies: number): string | null {
  let socketAddress: string | undefined;
  try {
    socketAddress = getConnInfo(c).remote.address;
  } catch {
    // app.request() in tests has no socket.
  }
  return clientAddressOf(c.req.header('x-forwarded-for'), socketAddress, trustedProxies);
}
