import { describe, expect, it } from 'vitest';
import { TenantUser } from '../members/tenant-user.entity.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { useTestDatabase } from '../testing/harness.js';
import { UsageRecord } from '../usage/usage-record.entity.js';
import { verifyPassword } from '../users/password.js';
import { User } from '../users/user.entity.js';
import { DEMO_PASSWORD, seedDemo } from './demo.js';

const database = useTestDatabase();

describe('demo seed', () => {
  it('creates two tenants on different tiers with a member in every role and usage history, once', async () => {
    const first = await seedDemo(database.db);
    expect(first.created).toBe(true);
    const second = await seedDemo(database.db);
    expect(second.created).toBe(false);
    expect(second.signIns).toEqual(first.signIns);

    const all = await database.db.inGlobal((em) => em.find(Tenant, {}, { orderBy: { id: 'asc' } }));
    expect(all.map((t) => t.name)).toEqual(['Digame Operations', 'Acme Corporation', 'Globex']);
    const tenants = all.filter((t) => t.name !== 'Digame Operations');
    expect(tenants.map((t) => t.subscriptionTier)).toEqual(['professional', 'basic']);
    for (const tenant of tenants) {
      const { roles, apiHours } = await database.db.inTenant(tenant.id, async (em) => ({
        roles: (await em.find(TenantUser, {})).map((m) => m.role).sort(),
        apiHours: await em.count(UsageRecord, { metric: 'api_calls' }),
      }));
      expect(roles).toEqual(['admin', 'manager', 'member', 'viewer']);
      expect(apiHours).toBe(14 * 24);
    }

    const operations = all[0] as (typeof all)[number];
    const operator = await database.db.inGlobal((em) => em.findOneOrFail(User, { email: 'operator@digame.test' }));
    expect(operator.isPlatformOperator).toBe(true);
    const operatorMembership = await database.db.inTenant(operations.id, (em) => em.find(TenantUser, {}));
    expect(operatorMembership.map((m) => [m.user.id, m.role])).toEqual([[operator.id, 'admin']]);

    const admin = await database.db.inGlobal((em) => em.findOneOrFail(User, { email: 'admin@acme.test' }));
    expect(await verifyPassword(admin.passwordHash ?? '', DEMO_PASSWORD)).toBe(true);
  });
});
