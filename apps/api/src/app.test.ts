import { connectRedis } from '@digame/core/redis';
import { testServices } from '@digame/core/testing';
import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { useTestApi } from './testing/test-api.js';
import type { AppRouter } from './trpc/router.js';

const api = useTestApi();

interface Health {
  status: string;
  postgres: { ok: boolean };
  redis: { ok: boolean; error?: string };
}

describe('GET /healthz', () => {
  it('reports PostgreSQL and Redis up', async () => {
    const response = await fetch(`${api.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', postgres: { ok: true }, redis: { ok: true } });
    expect(response.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
  });

  it('answers 503 naming the dependency that is down', async () => {
    const broken = await connectRedis(testServices().redisUrl, 'api-test-broken');
    const app = createApp({ ...api.deps, redis: broken });
    broken.disconnect();
    const response = await app.request('/healthz');
    expect(response.status).toBe(503);
    const body = (await response.json()) as Health;
    expect(body.status).toBe('degraded');
    expect(body.postgres.ok).toBe(true);
    expect(body.redis.ok).toBe(false);
    expect(body.redis.error).toBeTruthy();
  });
});

describe('tRPC over HTTP', () => {
  it('serves the tier catalog to the typed client', async () => {
    const { tiers } = await api.client().system.tiers.query();
    expect(tiers.map((tier) => tier.name)).toEqual(['basic', 'professional', 'enterprise']);
    expect(tiers.find((tier) => tier.name === 'enterprise')?.limits.maxUsers).toBeNull();
  });

  it('answers bad input with BAD_REQUEST and field messages, without a stack', async () => {
    const tiers = api.client().system.tiers;
    // @ts-expect-error deliberately wrong input
    const error = await tiers.query({ surprise: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    const shape = (error as TRPCClientError<AppRouter>).shape;
    expect(shape?.data.code).toBe('BAD_REQUEST');
    expect(shape?.data.httpStatus).toBe(400);
    expect(shape?.data.fields).toBeDefined();
    expect(JSON.stringify(shape)).not.toMatch(/stack|at .*\.ts/);
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await fetch(`${api.url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No route for GET /nope' } });
  });
});

describe('responses', () => {
  it('carry the request id on tRPC answers too, and summarise invalid input in one readable line', async () => {
    const response = await fetch(`${api.url}/trpc/system.tiers?input=${encodeURIComponent('{"surprise":true}')}`, {
      headers: { 'x-request-id': 'trace-me-123' },
    });
    expect(response.headers.get('x-request-id')).toBe('trace-me-123');
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/^Invalid input: /);
    expect(body.error.message).not.toContain('[');
  });
});
