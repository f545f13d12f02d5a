import { randomBytes } from 'node:crypto';
import { issueSession } from '@digame/core/auth';
import {
  createTenantWithMembers,
  createTestBucket,
  startWireCounter,
  testServices,
  useTestDatabase,
  type WireCounter,
} from '@digame/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig } from './config.js';
import { createApiDeps } from './deps.js';
import { serveTestApp } from './testing/test-api.js';
import type { ApiDeps } from './trpc/context.js';

/**
 * The request path's PostgreSQL budget, read off the wire: the api's connections go through a
 * counting proxy. A hot tenant read (tenants.get, usage.get) is one read unit: one READ ONLY
 * transaction in one round trip — BEGIN with the tenant set, the read and COMMIT as one query. A
 * write opens its unit of work with BEGIN and the tenant in one round trip too.
 */
const database = useTestDatabase();
let wire: WireCounter;
let deps: ApiDeps & { close(): Promise<void> };
let server: { url: string; close(): void };
let headers: Record<string, string>;
let tenantId: number;

beforeAll(async () => {
  wire = await startWireCounter(database.appUrl, undefined, { keepSql: true });
  deps = await createApiDeps(
    loadApiConfig({
      ...(await createTestBucket()),
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: wire.databaseUrl,
      REDIS_URL: testServices().redisUrl,
      REDIS_PREFIX: `{test-${randomBytes(4).toString('hex')}}`,
      JWT_SECRET: randomBytes(32).toString('hex'),
      APP_URL: 'http://localhost:5173',
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    }),
  );
  server = await serveTestApp(deps);
  const fixture = await createTenantWithMembers(deps.db, `Budget ${randomBytes(3).toString('hex')}`, 'enterprise');
  tenantId = fixture.tenantId;
  const tenant = await deps.tenants.get(tenantId);
  if (!tenant) throw new Error('fixture tenant missing');
  const session = await issueSession(deps.identity, {
    tenant,
    userId: fixture.users.admin,
    actor: { userId: fixture.users.admin },
    method: 'test',
  });
  headers = { authorization: `Bearer ${session.accessToken}`, 'content-type': 'application/json' };
});

afterAll(async () => {
  server?.close();
  await deps?.close();
  await wire?.close();
});

/** What one call sent to PostgreSQL; the tenant's facts are cached by a first, uncounted call. */
async function sent(path: string, init: () => RequestInit = () => ({})) {
  const call = async () => {
    const response = await fetch(`${server.url}${path}`, { headers, ...init() });
    expect(response.status).toBe(200);
    await response.text();
  };
  await call();
  // Effects run and their rows are forgotten after the response: let the warm-up's settle.
  await settled();
  const before = wire.read();
  const from = wire.sql().length;
  await call();
  await settled();
  const after = wire.read();
  return {
    roundTrips: after.pgRoundTrips - before.pgRoundTrips,
    transactions: after.pgTransactions - before.pgTransactions,
    sql: wire
      .sql()
      .slice(from)
      .map((s) => s.sql),
  };
}

/** Until nothing has gone to PostgreSQL for a moment (the relay's deletion runs after the response). */
async function settled(): Promise<void> {
  let last = -1;
  while (wire.read().pgRoundTrips !== last) {
    last = wire.read().pgRoundTrips;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const opening = (readOnly: boolean) =>
  `${readOnly ? 'BEGIN TRANSACTION READ ONLY;' : 'BEGIN;'} select set_config('app.current_tenant_id', '${tenantId}', true)`;

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A read unit: the opening, the read's statements and COMMIT, sent as one query. */
const readUnit = (statement: RegExp) =>
  new RegExp(`^${escaped(`${opening(true)}; `)}${statement.source}; COMMIT$`, 's');

describe('PostgreSQL round trips per call', () => {
  it('reads a tenant in one read-only transaction of one round trip', async () => {
    const seen = await sent('/trpc/tenants.get');
    expect(seen.sql).toHaveLength(1);
    expect(seen.sql[0]).toMatch(readUnit(new RegExp(`select tenant_uuid, .* from tenants where id = ${tenantId}`)));
    expect(seen).toMatchObject({ roundTrips: 1, transactions: 1 });
  });

  it('reads usage in one statement of a read-only transaction of one round trip', async () => {
    const seen = await sent('/trpc/usage.get');
    expect(seen.sql).toHaveLength(1);
    expect(seen.sql[0]).toMatch(
      readUnit(new RegExp(`\\s*select t.max_users, .* from tenants t where t.id = ${tenantId}`)),
    );
    expect(seen).toMatchObject({ roundTrips: 1, transactions: 1 });
  });

  it('opens a write’s unit with the tenant set in its first round trip, and forgets its effects in one more', async () => {
    // A new name each time: an update that changes nothing writes nothing.
    const seen = await sent('/trpc/tenants.update', () => ({
      method: 'POST',
      body: JSON.stringify({ name: `Budget ${randomBytes(3).toString('hex')}` }),
    }));
    // The update invalidated the cached facts: the next call reloads them (not counted here).
    expect(seen.sql).toContain(opening(false));
    expect(seen.sql.filter((sql) => /^select set_config\(.*\); delete from tenant_outbox/.test(sql))).toHaveLength(1);
    // No set_config ever goes in a round trip of its own.
    expect(seen.sql.filter((sql) => /^select set_config\([^;]*\)$/.test(sql))).toEqual([]);
  });
});
