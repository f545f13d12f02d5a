/**
 * The baselines the api is measured against, each on its own port of this one process (only one is
 * under load at a time): bare Hono; bare tRPC through @hono/trpc-server on the api's versions,
 * answering the same tier catalog as `system.tiers`; and bare tRPC running the tenant read's
 * transaction with raw `pg` (BEGIN, set_config of the tenant, one SELECT, COMMIT) as the app role.
 * For fan-out, a bare tRPC subscription (async generator per subscriber, `tracked` events, the api's
 * SSE options) fed by POST /publish. Prints `{"hono":port,"trpc":port}` once listening.
 */
import { EventEmitter, on } from 'node:events';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { trpcServer } from '@hono/trpc-server';
import { initTRPC, tracked } from '@trpc/server';
import { Hono } from 'hono';
import pg from 'pg';
import { z } from 'zod';
import { FEATURE_LABELS, TIER_NAMES, TIERS } from '../../packages/core/src/tenants/tiers.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.DATABASE_POOL_MAX ?? 10) });

const t = initTRPC.create({
  sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 30_000 } },
});
const published = new EventEmitter().setMaxListeners(0);
let sequence = 0;
const router = t.router({
  tiers: t.procedure.query(() => ({ tiers: TIER_NAMES.map((name) => TIERS[name]), featureLabels: FEATURE_LABELS })),
  tenant: t.procedure.input(z.object({ tenantId: z.number().int().positive() })).query(async ({ input }) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("select set_config('app.current_tenant_id', $1, true)", [String(input.tenantId)]);
      const { rows } = await client.query('select * from tenants where id = $1', [input.tenantId]);
      await client.query('COMMIT');
      return rows[0] as Record<string, unknown>;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }),
  stream: t.procedure.subscription(async function* ({ signal }) {
    for await (const [id, event] of on(published, 'event', { signal })) yield tracked(id as string, event);
  }),
});

async function listen(app: Hono): Promise<number> {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  return (server.address() as AddressInfo).port;
}

const hono = new Hono().get('/hello', (c) => c.json({ ok: true }));
const trpc = new Hono()
  // Answers once the pool's queue is empty: the suite waits for it between measurements.
  .get('/health', async (c) => {
    await pool.query('select 1');
    return c.body(null, 204);
  })
  .post('/publish', (c) => {
    sequence += 1;
    const event = { type: 'member.changed', tenantId: 1, data: { sequence }, at: new Date().toISOString() };
    published.emit('event', `${Date.now()}-${sequence}`, event);
    return c.body(null, 204);
  })
  .use('/trpc/*', trpcServer({ endpoint: '/trpc', router }));

const ports = { hono: await listen(hono), trpc: await listen(trpc) };
process.stdout.write(`${JSON.stringify(ports)}\n`);
