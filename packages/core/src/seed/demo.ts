import type { EntityManager } from '@mikro-orm/postgresql';
import { AnalyticsEvent } from '../analytics/analytics-event.entity.js';
import { TenantAuditLog } from '../audit/audit-log.entity.js';
import type { Database } from '../db/database.js';
import type { Role } from '../members/roles.js';
import { TenantUser } from '../members/tenant-user.entity.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { provisionTenant } from '../tenants/tenant.service.js';
import type { TierName } from '../tenants/tiers.js';
import { UsageRecord } from '../usage/usage-record.entity.js';
import { hashPassword } from '../users/password.js';
import { findOrCreateUser } from '../users/user.service.js';

/** Shared by every demo account; printed by `npm start`. Never used outside the demo seed. */
export const DEMO_PASSWORD = 'demo-password-2026';

const ROLES: Role[] = ['admin', 'manager', 'member', 'viewer'];

interface DemoTenant {
  name: string;
  domain: string;
  tier: TierName;
  /** Average API calls per hour, shaping the usage history. */
  hourlyCalls: number;
}

const DEMO_TENANTS: DemoTenant[] = [
  { name: 'Acme Corporation', domain: 'acme.test', tier: 'professional', hourlyCalls: 180 },
  { name: 'Globex', domain: 'globex.test', tier: 'basic', hourlyCalls: 45 },
];

export interface DemoSignIn {
  tenant: string;
  tier: TierName | null;
  role: Role | 'platform operator';
  email: string;
}

export interface DemoSeedResult {
  created: boolean;
  password: string;
  signIns: DemoSignIn[];
}

const HOUR = 60 * 60 * 1000;

/** A deterministic daily rhythm (busy working hours, quiet nights) with some day-to-day drift. */
function callsAt(hourStart: Date, average: number): number {
  const hour = hourStart.getUTCHours();
  const daytime = hour >= 8 && hour <= 18 ? 1.6 : 0.35;
  const drift = 1 + 0.15 * Math.sin(hourStart.getTime() / (24 * HOUR));
  return Math.round(average * daytime * drift);
}

async function seedUsage(em: EntityManager, tenantId: number, demo: DemoTenant, now: Date): Promise<void> {
  const currentHour = Math.floor(now.getTime() / HOUR) * HOUR;
  for (let h = 14 * 24; h >= 1; h--) {
    const periodStart = new Date(currentHour - h * HOUR);
    em.create(UsageRecord, {
      tenant: tenantId,
      metric: 'api_calls',
      periodStart,
      quantity: callsAt(periodStart, demo.hourlyCalls),
    });
    em.create(UsageRecord, { tenant: tenantId, metric: 'seats', periodStart, quantity: ROLES.length });
    em.create(UsageRecord, {
      tenant: tenantId,
      metric: 'storage_bytes',
      periodStart,
      quantity: Math.round((demo.tier === 'basic' ? 1.2 : 14.5) * 1024 ** 3 * (1 - h / (14 * 24 * 10))),
    });
  }
}

/** Platform operators sign in to a tenant they belong to; theirs is this one. */
const OPERATIONS_TENANT = { name: 'Digame Operations', domain: 'ops.digame.test' };

/** The operators' own organization with the operator as its admin; true when it was created now. */
async function seedOperationsTenant(db: Database, operatorId: string, now: Date): Promise<boolean> {
  if (await db.inGlobal((em) => em.findOne(Tenant, { domain: OPERATIONS_TENANT.domain }))) return false;
  const tenant = await db.inGlobal((em) =>
    provisionTenant(
      em,
      {
        name: OPERATIONS_TENANT.name,
        adminEmail: 'operator@digame.test',
        adminName: 'Platform Operator',
        subscriptionTier: 'enterprise',
        domain: OPERATIONS_TENANT.domain,
      },
      now,
    ),
  );
  // The platform's own organization is not a customer on trial: trial expiry must never suspend it.
  await db.inGlobal(async (em) => {
    const row = await em.findOneOrFail(Tenant, { id: tenant.id });
    row.isTrial = false;
    row.trialEndsAt = null;
  });
  await db.inTenant(tenant.id, async (em) => {
    em.create(TenantUser, { tenant: tenant.id, user: operatorId, role: 'admin', joinedAt: now });
    em.create(TenantAuditLog, {
      tenant: tenant.id,
      action: 'tenant.created',
      resourceType: 'tenant',
      resourceId: tenant.tenantUuid,
      details: { tier: 'enterprise', source: 'demo seed' },
    });
  });
  return true;
}

/**
 * Two tenants on different tiers, a member in every role, a platform operator (admin of the
 * operators' own tenant) and two weeks of
 * usage history. Runs through the app role and the normal units of work, so the seed itself
 * obeys row-level security. A second run changes nothing.
 */
export async function seedDemo(db: Database, now = new Date()): Promise<DemoSeedResult> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const signIns: DemoSignIn[] = [];
  let created = false;

  const operator = await db.inGlobal(async (em) => {
    const user = await findOrCreateUser(em, {
      email: 'operator@digame.test',
      fullName: 'Platform Operator',
      passwordHash,
    });
    user.isPlatformOperator = true;
    await em.flush();
    return user;
  });
  created = (await seedOperationsTenant(db, operator.id, now)) || created;
  signIns.push({
    tenant: OPERATIONS_TENANT.name,
    tier: 'enterprise',
    role: 'platform operator',
    email: operator.email,
  });

  for (const demo of DEMO_TENANTS) {
    const existing = await db.inGlobal((em) => em.findOne(Tenant, { domain: demo.domain }));
    const tenant =
      existing ??
      (await db.inGlobal((em) =>
        provisionTenant(
          em,
          {
            name: demo.name,
            adminEmail: `admin@${demo.domain}`,
            adminName: `${demo.name} Admin`,
            subscriptionTier: demo.tier,
            domain: demo.domain,
          },
          now,
        ),
      ));
    const users = await db.inGlobal(async (em) => {
      const byRole = new Map<Role, string>();
      for (const role of ROLES) {
        const email = `${role}@${demo.domain}`;
        const name = `${role[0]?.toUpperCase()}${role.slice(1)} of ${demo.name}`;
        byRole.set(role, (await findOrCreateUser(em, { email, fullName: name, passwordHash })).id);
      }
      return byRole;
    });
    for (const role of ROLES)
      signIns.push({ tenant: demo.name, tier: demo.tier, role, email: `${role}@${demo.domain}` });
    if (existing) continue;

    created = true;
    await db.inTenant(tenant.id, async (em) => {
      em.create(TenantAuditLog, {
        tenant: tenant.id,
        action: 'tenant.created',
        resourceType: 'tenant',
        resourceId: tenant.tenantUuid,
        details: { tier: demo.tier, source: 'demo seed' },
      });
      for (const [role, userId] of users) {
        const joinedAt = new Date(now.getTime() - (20 + ROLES.indexOf(role)) * 24 * HOUR);
        em.create(TenantUser, {
          tenant: tenant.id,
          user: userId,
          role,
          joinedAt,
          lastActiveAt: new Date(now.getTime() - HOUR),
        });
        em.create(TenantAuditLog, {
          tenant: tenant.id,
          user: users.get('admin') ?? null,
          action: 'member.added',
          resourceType: 'user',
          resourceId: userId,
          details: { role },
        });
        em.create(AnalyticsEvent, {
          tenant: tenant.id,
          user: userId,
          eventType: 'feature.used',
          eventData: { feature: 'core_analytics' },
        });
      }
      await seedUsage(em, tenant.id, demo, now);
      await em.flush();
    });
  }
  return { created, password: DEMO_PASSWORD, signIns };
}
