import { metricsRefusal } from '@digame/core/health';
import type { Context, Env, Hono, MiddlewareHandler } from 'hono';
import { Counter, Histogram, Registry } from 'prom-client';
import type { ApiDeps } from './trpc/context.js';
import { appRouter } from './trpc/router.js';

const PROCEDURES = new Set(Object.keys(appRouter._def.procedures));

/**
 * Names to label a request with: each tRPC procedure of a batch (names outside the router become
 * `unknown`, so a caller cannot grow the label set), or `rest` for the REST mirror.
 */
function procedureLabels(path: string): string[] {
  if (path.startsWith('/api/')) return ['rest'];
  const names = path.slice('/trpc/'.length).split(',');
  return names.map((name) => (PROCEDURES.has(name) ? name : 'unknown'));
}

/**
 * Prometheus metrics of one api process: request count and latency per procedure, refusals for
 * the rate limit. Mounted before authentication so every outcome, 429s included, is observed; served
 * on GET /metrics: with METRICS_TOKEN set to callers presenting it, otherwise only to callers on this
 * host (the client address as the request gate sees it, so behind trusted proxies the real
 * client's). One registry per app, so several apps in one process (tests) keep separate counts.
 */
export function mountMetrics<E extends Env>(
  app: Hono<E>,
  deps: ApiDeps,
  clientAddress: (c: Context<E>) => string | null,
): { registry: Registry; observe: (path: string, status: number, seconds: number) => void } {
  const registry = new Registry();
  const requests = new Counter({
    name: 'digame_api_requests_total',
    help: 'Procedure calls by procedure and HTTP status (a batch counts each of its calls)',
    labelNames: ['procedure', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'digame_api_request_duration_seconds',
    help: 'Time to the response head, by procedure (for subscriptions: until the stream opens)',
    labelNames: ['procedure'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'digame_api_rate_limited_total',
    help: 'Requests refused with 429 because the tenant reached its hourly API-call limit',
    registers: [registry],
  });

  // prom-client hashes a label object on every inc/observe; the series of a procedure (and status)
  // are looked up once and kept, bounded by the router's procedures and the statuses it answers.
  const requestSeries = new Map<string, ReturnType<typeof requests.labels>>();
  const latencySeries = new Map<string, ReturnType<typeof latency.labels>>();
  const requestsOf = (procedure: string, status: number) => {
    const key = `${procedure} ${status}`;
    let series = requestSeries.get(key);
    if (!series) {
      series = requests.labels(procedure, String(status));
      requestSeries.set(key, series);
    }
    return series;
  };
  const latencyOf = (procedure: string) => {
    let series = latencySeries.get(procedure);
    if (!series) {
      series = latency.labels(procedure);
      latencySeries.set(procedure, series);
    }
    return series;
  };

  /** One answered request (the single-call lane, which bypasses Hono, calls this itself). */
  const observe = (path: string, status: number, seconds: number) => {
    for (const procedure of procedureLabels(path)) {
      requestsOf(procedure, status).inc();
      latencyOf(procedure).observe(seconds);
    }
    if (status === 429) rateLimited.inc();
  };
  const observed: MiddlewareHandler<E> = async (c, next) => {
    const started = performance.now();
    await next();
    observe(c.req.path, c.res.status, (performance.now() - started) / 1000);
  };
  app.use('/trpc/*', observed);
  app.use('/api/*', observed);
  app.get('/metrics', async (c) => {
    const refusal = metricsRefusal(deps.config.METRICS_TOKEN, c.req.header('authorization'), clientAddress(c));
    if (refusal) return c.json({ error: { code: 'UNAUTHORIZED', message: refusal } }, 401);
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
  });
  return { registry, observe };
}
