import type { Database } from '@digame/core/db';
import { checkHealth } from '@digame/core/health';
import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';

/** The worker's only HTTP surface: probes for orchestrators and metrics for Prometheus. */
export function createHealthApp(deps: { db: Database; redis: Redis; metrics?: Registry }): Hono {
  const app = new Hono();
  app.get('/healthz', async (c) => {
    const report = await checkHealth(deps);
    return c.json(report, report.status === 'ok' ? 200 : 503);
  });
  const { metrics } = deps;
  if (metrics) {
    app.get('/metrics', async (c) => c.body(await metrics.metrics(), 200, { 'content-type': metrics.contentType }));
  }
  return app;
}
