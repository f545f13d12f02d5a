import { describe, expect, it } from 'vitest';
import { TenantAuditLog } from '../audit/audit-log.entity.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { TIERS } from '../tenants/tiers.js';
import { createTenantWithMembers, useServiceDeps, useTestDatabase } from '../testing/index.js';
import { advanceTrial, dueReminder, TRIAL_SUSPENSION_REASON, trialsDue } from './trial-lifecycle.js';

const database = useTestDatabase();
const deps = useServiceDeps(() => database.db);
const DAY = 24 * 3_600_000;

async function trialTenant(name: string, endsInMs: number, policy: 'convert_to_basic' | 'suspend') {
  const t = await createTenantWithMembers(database.db, name, 'professional');
  await database.db.inGlobal(async (em) => {
    const tenant = await em.findOneOrFail(Tenant, { id: t.tenantId });
    tenant.trialEndsAt = new Date(Date.now() + endsInMs);
    tenant.trialEndPolicy = policy;
  });
  return t;
}

const advance = (tenantId: number) =>
  deps.run(tenantId, async (ctx) => advanceTrial(ctx, await ctx.em.findOneOrFail(Tenant, { id: tenantId })));

async function queuedEmails(tenantId: number) {
  const jobs = await deps.services.jobs.queue('emails').getJobs(['waiting', 'delayed']);
  return jobs.filter((job) => job.data.tenantId === tenantId).map((job) => job.data);
}

describe('trial lifecycle', () => {
  it('picks the closest due reminder of 7, 3 and 1 days', () => {
    const now = new Date('2026-01-10T00:00:00Z');
    const at = (days: number) => new Date(now.getTime() + days * DAY);
    expect(dueReminder(at(8), now)).toBeNull();
    expect(dueReminder(at(6.5), now)).toEqual({ reminderDays: 7, daysLeft: 7 });
    expect(dueReminder(at(2.2), now)).toEqual({ reminderDays: 3, daysLeft: 3 });
    expect(dueReminder(at(0.5), now)).toEqual({ reminderDays: 1, daysLeft: 1 });
    expect(dueReminder(at(-0.1), now)).toBeNull();
  });

  it('emails the admins a reminder, once per reminder day however often it runs', async () => {
    const t = await trialTenant('Reminded Co', 6.5 * DAY, 'convert_to_basic');
    expect(await trialsDue(database.db, new Date())).toContain(t.tenantId);
    expect(await advance(t.tenantId)).toEqual({ kind: 'reminder', reminderDays: 7, daysLeft: 7 });
    await advance(t.tenantId);
    const mails = await queuedEmails(t.tenantId);
    // Same cause twice: the deterministic job id keeps one job (and the delivery record one email).
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ template: 'trial_reminder', to: 'admin@reminded-co.test', data: { daysLeft: 7 } });
  });

  it('converts an ended trial to Basic: limits, features (operator overrides kept), audited, emailed, facts invalidated', async () => {
    const t = await trialTenant('Converted Co', -60_000, 'convert_to_basic');
    await database.db.inTenant(t.tenantId, (em) =>
      em.execute(
        `insert into tenant_feature_overrides (tenant_id, feature, enabled, reason) values (?, 'sso', true, 'pilot')`,
        [t.tenantId],
      ),
    );
    expect((await deps.services.tenants.get(t.tenantId))?.tier).toBe('professional');

    expect(await advance(t.tenantId)).toEqual({ kind: 'ended', outcome: 'converted_to_basic' });
    expect(await advance(t.tenantId)).toEqual({ kind: 'nothing_due' });

    const tenant = await database.db.inGlobal((em) => em.findOneOrFail(Tenant, { id: t.tenantId }));
    expect(tenant).toMatchObject({
      subscriptionTier: 'basic',
      isTrial: false,
      isActive: true,
      maxUsers: TIERS.basic.limits.maxUsers,
      apiRateLimit: TIERS.basic.limits.apiCallsPerHour,
      storageLimitGb: TIERS.basic.limits.storageLimitGb,
    });
    expect(tenant.features).toEqual({ ...TIERS.basic.features, sso: true });
    const facts = await deps.services.tenants.get(t.tenantId);
    expect(facts?.tier).toBe('basic');

    const entries = await database.db.inTenant(t.tenantId, (em) =>
      em.find(TenantAuditLog, { action: 'tenant.trial_ended' }),
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]?.details).toMatchObject({ policy: 'convert_to_basic', outcome: 'converted_to_basic' });
    expect(await queuedEmails(t.tenantId)).toEqual([
      expect.objectContaining({
        template: 'trial_ended',
        data: { tenantName: 'Converted Co', outcome: 'converted_to_basic' },
      }),
    ]);
  });

  it('suspends an ended trial whose policy says so, keeping its data', async () => {
    const t = await trialTenant('Suspended Co', -60_000, 'suspend');
    expect(await advance(t.tenantId)).toEqual({ kind: 'ended', outcome: 'suspended' });
    const tenant = await database.db.inGlobal((em) => em.findOneOrFail(Tenant, { id: t.tenantId }));
    expect(tenant).toMatchObject({ isActive: false, isTrial: false, suspensionReason: TRIAL_SUSPENSION_REASON });
    expect(tenant.suspendedAt).toBeInstanceOf(Date);
    expect((await deps.services.tenants.get(t.tenantId))?.isActive).toBe(false);
    expect(await trialsDue(database.db, new Date())).not.toContain(t.tenantId);
  });
});
