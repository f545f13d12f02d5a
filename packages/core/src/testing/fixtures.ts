import type { Database } from '../db/database.js';
import type { Role } from '../members/roles.js';
import { TenantUser } from '../members/tenant-user.entity.js';
import { provisionTenant } from '../tenants/tenant.service.js';
import type { TierName } from '../tenants/tiers.js';
import { findOrCreateUser } from '../users/user.service.js';

export interface TenantFixture {
  tenantId: number;
  /** The public id clients see and send. */
  tenantUuid: string;
  slug: string;
  /** User ids by role, one member per role. */
  users: Record<Role, string>;
}

/** A tenant with one member in each role, created through the same services the product uses. */
export async function createTenantWithMembers(
  db: Database,
  name: string,
  tier: TierName = 'professional',
): Promise<TenantFixture> {
  const tag = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const { tenantId, tenantUuid, slug } = await db.inGlobal(async (em) => {
    const tenant = await provisionTenant(em, {
      name,
      adminEmail: `admin@${tag}.test`,
      adminName: `${name} Admin`,
      subscriptionTier: tier,
    });
    return { tenantId: tenant.id, tenantUuid: tenant.tenantUuid, slug: tenant.slug };
  });
  const roles: Role[] = ['admin', 'manager', 'member', 'viewer'];
  const users = {} as Record<Role, string>;
  for (const role of roles) {
    const user = await db.inGlobal((em) =>
      findOrCreateUser(em, { email: `${role}@${tag}.test`, fullName: `${name} ${role}` }),
    );
    users[role] = user.id;
  }
  await db.inTenant(tenantId, async (em) => {
    for (const role of roles) em.create(TenantUser, { tenant: tenantId, user: users[role], role });
    await em.flush();
  });
  return { tenantId, tenantUuid, slug, users };
}
