import type { AddressInfo } from 'node:net';
import { createLogger } from '@digame/core/logging';
import { connectRedis } from '@digame/core/redis';
import { testServices, useTestDatabase } from '@digame/core/testing';
import { serve } from '@hono/node-server';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import type { AppRouter } from './trpc/router.js';

const database = useTestDatabase();
let redis: Redis;
let baseUrl: string;
let close: () => void;

beforeAll(async () => {
  redis = await connectRedis(testServices().redisUrl, 'api-test');
  const app = createApp({ db: database.db, redis, logger: createLogger('api-test', 'silent') });
  const server = serve({ fetch: app.fetch, port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});

afterAll(async () => {
  close?.();
  await redis?.quit();
});

describe('GET /healthz', () => {
  it('reports PostgreSQL and Redis up', async () => {
    const response = await fetch(`${baseUrl}/healthz`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ status: 'ok', postgres: { ok: true }, redis: { ok: true } });
    expect(response.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
  });

  it('answers 503 naming the dependency that is down', async () => {
    const broken = await connectRedis(testServices().redisUrl, 'api-test-broken');
    const app = createApp({ db: database.db, redis: broken, logger: createLogger('t', 'silent') });
    broken.disconnect();
    const response = await app.request('/healthz');
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body.status).toBe('degraded');
    expect(body.postgres.ok).toBe(true);
    expect(body.redis.ok).toBe(false);
    expect(body.redis.error).toBeTruthy();
  });
});

describe('tRPC over HTTP', () => {
  it('serves the tier catalog to the typed client', async () => {
    const client = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${baseUrl}/trpc` })] });
    const { tiers } = await client.system.tiers.query();
    expect(tiers.map((tier) => tier.name)).toEqual(['basic', 'professional', 'enterprise']);
    expect(tiers.find((tier) => tier.name === 'enterprise')?.limits.maxUsers).toBeNull();
  });

  it('answers bad input with BAD_REQUEST and field messages, without a stack', async () => {
    const client = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${baseUrl}/trpc` })] });
    // @ts-expect-error deliberately wrong input
    const error = await client.system.tiers.query({ surprise: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    const shape = (error as TRPCClientError<AppRouter>).shape;
    expect(shape?.data.code).toBe('BAD_REQUEST');
    expect(shape?.data.httpStatus).toBe(400);
    expect(shape?.data.fields).toBeDefined();
    expect(JSON.stringify(shape)).not.toMatch(/stack|at .*\.ts/);
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await fetch(`${baseUrl}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No route for GET /nope' } });
  });
});
