import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { ApiConfig } from '../apps/api/src/config.js';
import type { ApiDeps } from '../apps/api/src/trpc/context.js';
import { sessionKey } from '../packages/core/src/auth/credentials.js';
import { effectivePermissions } from '../packages/core/src/auth/permissions.js';
import { Tenant } from '../packages/core/src/tenants/tenant.entity.js';
import { createTenantWithMembers, type TenantFixture } from '../packages/core/src/testing/fixtures.js';

/** Serves a fetch handler on a free loopback port and returns its base URL. */
export async function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<string> {
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A fresh tenant whose hourly limit never interferes with a benchmark, and a live admin session in
 * it (the Redis record the request gate reads, and its access token).
 */
export async function unlimitedAdminSession(
  deps: ApiDeps,
  config: ApiConfig,
  name: string,
): Promise<{ tenant: TenantFixture; token: string }> {
  const tenant = await createTenantWithMembers(deps.db, `${name} ${randomBytes(3).toString('hex')}`);
  await deps.db.inGlobal(async (em) => {
    (await em.findOneOrFail(Tenant, { id: tenant.tenantId })).apiRateLimit = 1_000_000_000;
  });
  const sid = randomBytes(16).toString('hex');
  await deps.redis.set(
    sessionKey(config.REDIS_PREFIX, sid),
    JSON.stringify({
      kind: 'session',
      tenantId: tenant.tenantId,
      userId: tenant.users.admin,
      role: 'admin',
      permissions: [...effectivePermissions('admin')],
      platformOperator: false,
      expiresAt: Date.now() + 3_600_000,
    }),
  );
  const token = await deps.tokens.sign({
    typ: 'access',
    sub: tenant.users.admin,
    tid: tenant.tenantId,
    sid,
    role: 'admin',
  });
  return { tenant, token };
}
