import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { Database } from '@digame/core/db';
import { connectRedis } from '@digame/core/redis';
import { RequestGate } from '@digame/core/request';
import { TenantDirectory } from '@digame/core/tenants';
import { createTenantWithMembers, testServices } from '@digame/core/testing';
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

describe('the single-call lane', () => {
  it('answers the same as the Hono chain, headers included', async () => {
    const path = `/trpc/system.tiers?input=${encodeURIComponent('{"surprise":true}')}`;
    const overHttp = await fetch(`${api.url}${path}`, { headers: { 'x-request-id': 'same-1' } });
    const inProcess = await createApp(api.deps).request(path, { headers: { 'x-request-id': 'same-1' } });
    expect(overHttp.status).toBe(inProcess.status);
    expect(await overHttp.json()).toEqual(await inProcess.json());
    for (const name of ['content-type', 'vary', 'x-request-id']) {
      expect(overHttp.headers.get(name), name).toBe(inProcess.headers.get(name));
    }
  });

  it('survives a client that leaves mid-body, and goes on answering', async () => {
    for (let i = 0; i < 5; i++) {
      const socket = connect(Number(new URL(api.url).port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        'POST /trpc/auth.signIn HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"email":',
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
      socket.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const response = await fetch(`${api.url}/trpc/system.tiers`);
    expect(response.status).toBe(200);
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

describe('outages', () => {
  async function adminToken() {
    const t = await createTenantWithMembers(api.database.db, `Outage ${randomBytes(3).toString('hex')}`);
    const uuid = (await api.deps.tenants.get(t.tenantId))?.uuid;
    return { token: await api.sessionToken({ tenantId: t.tenantId, userId: t.users.admin, role: 'admin' }), uuid };
  }

  async function refusal(app: ReturnType<typeof createApp>, token: string) {
    const response = await app.request('/trpc/tenants.get', { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { error: { message: string; data: Record<string, unknown> } };
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
  }

  it('answers /trpc with 503 SERVICE_UNAVAILABLE, Retry-After and tRPC’s shape while Redis is unreachable', async () => {
    const { token } = await adminToken();
    const broken = await connectRedis(testServices().redisUrl, 'api-test-broken');
    broken.disconnect();
    const app = createApp({ ...api.deps, redis: broken, gate: new RequestGate(broken, api.config.REDIS_PREFIX) });
    const answer = await refusal(app, token);
    expect(answer.status).toBe(503);
    expect(answer.retryAfter).toBe('5');
    expect(answer.body.error.data).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      httpStatus: 503,
      details: { dependency: 'redis' },
    });
    expect(JSON.stringify(answer.body)).not.toMatch(/stack|enableOfflineQueue|at .*\.ts/);
    expect(((await (await app.request('/healthz')).json()) as { down: string[] }).down).toEqual(['redis']);
  });

  it('answers 503 naming the database while PostgreSQL is unreachable, on /trpc and /api alike', async () => {
    const { token, uuid } = await adminToken();
    const unreachable = await Database.connect({ url: 'postgresql://nobody:nothing@127.0.0.1:1/none', poolMax: 1 });
    try {
      const tenants = new TenantDirectory(unreachable, api.deps.redis, api.config.REDIS_PREFIX);
      const app = createApp({ ...api.deps, db: unreachable, tenants });
      const answer = await refusal(app, token);
      expect(answer.status).toBe(503);
      expect(answer.retryAfter).toBe('5');
      expect(answer.body.error.data).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        details: { dependency: 'postgres' },
      });
      const rest = await app.request(`/api/tenants/${uuid}`, { headers: { authorization: `Bearer ${token}` } });
      expect(rest.status).toBe(503);
      expect(rest.headers.get('retry-after')).toBe('5');
      expect(((await (await app.request('/healthz')).json()) as { down: string[] }).down).toEqual(['postgres']);
    } finally {
      await unreachable.close();
    }
  });

  it('answers a body past the limit on /trpc in tRPC’s shape', async () => {
    const response = await fetch(`${api.url}/trpc/auth.signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'x'.repeat(2_000_000) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 } } });
  });
});
