import type { ApiDeps } from '../../apps/api/src/trpc/context.js';
import { issueSession } from '../../packages/core/src/auth/sessions.js';
import { Tenant } from '../../packages/core/src/tenants/tenant.entity.js';
import { createTenantWithMembers, type TenantFixture } from '../../packages/core/src/testing/fixtures.js';

/**
 * The tenant the suite drives: Enterprise (every feature, so every path, audit.list among them, is
 * allowed), a rate limit no run reaches, and a session of its admin as a bearer header.
 */
export async function benchTenant(
  deps: ApiDeps,
  name: string,
): Promise<{ fixture: TenantFixture; tenantUuid: string; headers: Record<string, string> }> {
  const fixture = await createTenantWithMembers(deps.db, name, 'enterprise');
  const tenantUuid = await deps.db.inGlobal(async (em) => {
    const tenant = await em.findOneOrFail(Tenant, { id: fixture.tenantId });
    tenant.apiRateLimit = 1_000_000_000;
    return tenant.tenantUuid;
  });
  await deps.tenants.invalidate(fixture.tenantId);
  const facts = await deps.tenants.get(fixture.tenantId);
  if (!facts) throw new Error(`bench tenant ${name} missing`);
  const session = await issueSession(deps.identity, {
    tenant: facts,
    userId: fixture.users.admin,
    actor: { userId: fixture.users.admin, ipAddress: '127.0.0.1', userAgent: 'bench' },
    method: 'bench',
  });
  return { fixture, tenantUuid, headers: { authorization: `Bearer ${session.accessToken}` } };
}
