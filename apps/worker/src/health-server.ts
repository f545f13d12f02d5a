import type { Database } from '@digame/core/db';
import { checkHealth, metricsRefusal } from '@digame/core/health';
import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';

/**
 * The worker's only HTTP surface: probes for orchestrators and metrics for Prometheus, the metrics
 * gated like the api's (the token when METRICS_TOKEN is set, else callers on this host). The worker
 * sits behind no proxy, so the caller is the socket's peer.
 */
export function createHealthApp(deps: {
  db: Database;
  redis: Redis;
  metrics?: Registry;
  metricsToken?: string;
}): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.get('/healthz', async (c) => {
    const report = await checkHealth(deps);
    return c.json(report, report.status === 'ok' ? 200 : 503);
  });
  const { metrics } = deps;
  if (metrics) {
    app.get('/metrics', async (c) => {
      const address = c.env?.incoming?.socket.remoteAddress;
      const refusal = metricsRefusal(deps.metricsToken, c.req.header('authorization'), address);
      if (refusal) return c.json({ error: { code: 'UNAUTHORIZED', message: refusal } }, 401);
      return c.body(await metrics.metrics(), 200, { 'content-type': metrics.contentType });
    });
  }
  return app;
}
