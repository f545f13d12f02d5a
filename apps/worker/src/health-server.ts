import type { Database } from '@digame/core/db';
import { checkHealth } from '@digame/core/health';
import { Hono } from 'hono';
import type { Redis } from 'ioredis';

/** The worker's only HTTP surface: probes for orchestrators and operators. */
export function createHealthApp(deps: { db: Database; redis: Redis }): Hono {
  const app = new Hono();
  app.get('/healthz', async (c) => {
    const report = await checkHealth(deps);
    return c.json(report, report.status === 'ok' ? 200 : 503);
  });
  return app;
}
