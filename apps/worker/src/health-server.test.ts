import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { connectRedis } from '@digame/core/redis';
import { testServices, useTestDatabase } from '@digame/core/testing';
import { serve } from '@hono/node-server';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthApp } from './health-server.js';

const database = useTestDatabase();
let redis: Awaited<ReturnType<typeof connectRedis>>;

beforeAll(async () => {
  redis = await connectRedis(testServices().redisUrl, 'worker-test');
});
afterAll(async () => {
  await redis.quit();
});

/** Serves the health app on a real port and answers GET `path` from `host` (the caller's address). */
async function get(metricsToken: string | undefined, host: string, path: string, authorization?: string) {
  const app = createHealthApp({ db: database.db, redis, metrics: new Registry(), metricsToken });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '0.0.0.0' });
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const headers: Record<string, string> = authorization ? { authorization } : {};
    return await fetch(`http://${host}:${port}${path}`, { headers });
  } finally {
    server.close();
  }
}

/** An address of this machine that is not loopback, so a request to it comes from a non-loopback peer. */
const externalAddress = Object.values(networkInterfaces())
  .flat()
  .find((nic) => nic && nic.family === 'IPv4' && !nic.internal)?.address;

describe('worker /healthz', () => {
  it('reports PostgreSQL and Redis status', async () => {
    const response = await createHealthApp({ db: database.db, redis }).request('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', postgres: { ok: true }, redis: { ok: true } });
  });
});

describe('worker /metrics', () => {
  it('answers this host without a token configured', async () => {
    expect((await get(undefined, '127.0.0.1', '/metrics')).status).toBe(200);
  });

  it.runIf(externalAddress)('refuses another host without a token configured', async () => {
    const response = await get(undefined, externalAddress ?? '', '/metrics');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { message: /set METRICS_TOKEN/ } });
    expect((await get(undefined, externalAddress ?? '', '/healthz')).status).toBe(200);
  });

  it('wants the token when one is configured, from this host too', async () => {
    const token = 'scrape-token-0123456789';
    expect((await get(token, '127.0.0.1', '/metrics')).status).toBe(401);
    expect((await get(token, '127.0.0.1', '/metrics', 'Bearer wrong-token-0123456789')).status).toBe(401);
    expect((await get(token, '127.0.0.1', '/metrics', `Bearer ${token}`)).status).toBe(200);
  });
});
