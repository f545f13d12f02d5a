import { LimitAlert } from '@digame/core/alerts';
import { apiCallCounterKey, hourStart } from '@digame/core/request';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { UsageRecord } from '@digame/core/usage';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, clientAs, expectRefused, tenantUuid } from '../../testing/admin.js';
import { useTestApi } from '../../testing/test-api.js';

const api = useTestApi();
let acme: TenantFixture;
let globex: TenantFixture;
let initech: TenantFixture;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme', 'professional');
  globex = await createTenantWithMembers(api.database.db, 'Globex', 'basic');
  initech = await createTenantWithMembers(api.database.db, 'Initech', 'enterprise');
});

const HOUR = 3_600_000;

describe('usage.get', () => {
  it('reports seats, the latest storage measurement and today’s API calls, counting each hour once', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Metered', 'professional');
    const now = Date.now();
    const currentHour = hourStart(now);
    const dayStart = currentHour - (currentHour % (24 * HOUR));
    const previousHour = currentHour - HOUR;
    await api.database.db.inTenant(tenant.tenantId, async (em) => {
      for (const [periodStart, bytes] of [
        [currentHour - 5 * HOUR, 1024 ** 3],
        [currentHour - HOUR, 2.5 * 1024 ** 3],
      ] as const) {
        em.create(UsageRecord, {
          tenant: tenant.tenantId,
          metric: 'storage_bytes',
          periodStart: new Date(periodStart),
          quantity: bytes,
        });
      }
      // The flush copied 40 calls of the previous hour; a late call since left the live counter at 41.
      em.create(UsageRecord, {
        tenant: tenant.tenantId,
        metric: 'api_calls',
        periodStart: new Date(previousHour),
        quantity: 40,
      });
      // Yesterday's calls are not today's (two hours before midnight: in the first hour of a day the
      // previous hour is yesterday's last one, seeded above).
      em.create(UsageRecord, {
        tenant: tenant.tenantId,
        metric: 'api_calls',
        periodStart: new Date(dayStart - 2 * HOUR),
        quantity: 500,
      });
    });
    const prefix = api.config.REDIS_PREFIX;
    await api.deps.redis.set(apiCallCounterKey(prefix, tenant.tenantId, previousHour), '41');

    const member = await clientAs(api, tenant, 'member');
    const usage = await member.usage.get.query();
    const liveThisHour = Number(await api.deps.redis.get(apiCallCounterKey(prefix, tenant.tenantId, currentHour)));
    expect(liveThisHour).toBeGreaterThan(0);
    const previousIsToday = previousHour >= dayStart;
    expect(usage).toMatchObject({
      users: { current: 4, limit: 50, percent: 8 },
      storage: { usedGb: 2.5, limitGb: 100, percent: 2.5 },
      apiCalls: {
        thisHour: liveThisHour,
        today: liveThisHour + (previousIsToday ? 41 : 0),
        limit: 5000,
        percent: Math.round((liveThisHour / 5000) * 1000) / 10,
      },
    });
  });

  it('shows unlimited seats as no limit and no percentage', async () => {
    const usage = await (await clientAs(api, initech, 'admin')).usage.get.query();
    expect(usage.users).toEqual({ current: 4, limit: null, percent: null });
    expect(usage.storage).toMatchObject({ usedGb: 0, limitGb: 1024, percent: 0 });
  });

  it.each(['admin', 'manager', 'member'] as const)('is readable by a %s', async (role) => {
    expect((await (await clientAs(api, acme, role)).usage.get.query()).users.current).toBe(4);
  });

  it('is refused to a viewer, and another tenant’s usage answers NOT_FOUND', async () => {
    await expectRefused(
      (await clientAs(api, acme, 'viewer')).usage.get.query(),
      'FORBIDDEN',
      'Missing permission: usage.read',
    );
    const admin = await clientAs(api, acme, 'admin');
    await expectRefused(
      admin.usage.get.query({ tenantId: await tenantUuid(api.database.db, globex.tenantId) }),
      'NOT_FOUND',
    );
    const platform = await createTenantWithMembers(api.database.db, 'Platform', 'enterprise');
    const operator = await clientAs(api, platform, 'admin', { platformOperator: true });
    expect(
      (await operator.usage.get.query({ tenantId: await tenantUuid(api.database.db, globex.tenantId) })).users.limit,
    ).toBe(10);
    // The operator's read goes through the audited operator path, recorded in that tenant's log.
    const entries = await auditEntries(api.database.db, globex.tenantId, 'platform.tenant_accessed');
    expect(entries.at(-1)?.details).toEqual({ reason: 'operator call: usage.get' });
  });
});

describe('audit.list', () => {
  it('is gated on audit_logs per tier and on audit.read per role', async () => {
    for (const tenant of [globex, acme]) {
      const { data } = await expectRefused(
        (await clientAs(api, tenant, 'admin')).audit.list.query({}),
        'FORBIDDEN',
        'Feature not available in your subscription',
      );
      expect(data.details).toMatchObject({ feature: 'audit_logs', requiredTier: 'enterprise' });
    }
    for (const role of ['manager', 'member', 'viewer'] as const) {
      await expectRefused(
        (await clientAs(api, initech, role)).audit.list.query({}),
        'FORBIDDEN',
        'Missing permission: audit.read',
      );
    }
  });

  it('filters by action, actor, resource and time, newest first, with a cursor, and records address and agent', async () => {
    const admin = await clientAs(api, initech, 'admin');
    const start = new Date(Date.now() - 1000).toISOString();
    await admin.tenants.update.mutate({ name: 'Initech Inc' });
    await admin.settings.set.mutate({ category: 'general', key: 'locale', value: 'en-US' });
    await admin.invitations.create.mutate({ email: 'peter@initech.example' });
    await (await clientAs(api, initech, 'manager')).invitations.create.mutate({ email: 'samir@initech.example' });

    const recent = await admin.audit.list.query({ from: start });
    // Signing in (to get the test sessions) is audited too; this test is about the changes.
    const changes = recent.items.filter((entry) => !entry.action.startsWith('auth.'));
    expect(changes.map((entry) => entry.action)).toEqual([
      'invitation.created',
      'invitation.created',
      'setting.updated',
      'tenant.updated',
    ]);
    const [latest] = changes;
    expect(latest).toMatchObject({
      actorUserId: initech.users.manager,
      actorEmail: 'manager@initech.test',
      resourceType: 'invitation',
    });
    expect(latest?.ipAddress).toMatch(/127\.0\.0\.1/);
    expect(latest?.userAgent).toBeTruthy();

    expect((await admin.audit.list.query({ action: 'invitation.*' })).items).toHaveLength(2);
    expect((await admin.audit.list.query({ action: 'setting.updated' })).items[0]?.resourceId).toBe('general.locale');
    expect(
      (await admin.audit.list.query({ actorUserId: initech.users.manager, action: 'invitation.*' })).items,
    ).toHaveLength(1);
    expect((await admin.audit.list.query({ resourceType: 'tenant', from: start })).items).toHaveLength(1);
    expect((await admin.audit.list.query({ to: start, action: 'tenant.updated' })).items).toEqual([]);

    const pages = [];
    let cursor: string | undefined;
    do {
      const page = await admin.audit.list.query({ from: start, limit: 2, cursor });
      pages.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages.map((entry) => entry.id)).toEqual(recent.items.map((entry) => entry.id));

    await expectRefused(admin.audit.list.query({ action: 'DROP TABLE' }), 'BAD_REQUEST');
    const { data } = await expectRefused(admin.audit.list.query({ from: start, to: start }), 'BAD_REQUEST');
    expect(data.fields).toEqual({ to: 'must be after from' });
  });

  it('never shows another tenant’s entries', async () => {
    const other = await createTenantWithMembers(api.database.db, 'Umbrella', 'enterprise');
    await (await clientAs(api, other, 'admin')).tenants.update.mutate({ name: 'Umbrella Corp' });
    const admin = await clientAs(api, initech, 'admin');
    const entries = (await admin.audit.list.query({ limit: 100 })).items;
    expect(entries.some((entry) => JSON.stringify(entry.details).includes('Umbrella'))).toBe(false);
    expect((await admin.audit.list.query({ actorUserId: other.users.admin })).items).toEqual([]);
  });
});

describe('usage.apiCallsByHour and usage.alerts', () => {
  it('lists the hours oldest first, the current one live from its counter, and only the caller’s tenant', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Hourly', 'professional');
    const other = await createTenantWithMembers(api.database.db, 'Hourly Other', 'professional');
    const currentHour = hourStart(Date.now());
    await api.database.db.inTenant(tenant.tenantId, async (em) => {
      em.create(UsageRecord, {
        tenant: tenant.tenantId,
        metric: 'api_calls',
        periodStart: new Date(currentHour - 30 * HOUR),
        quantity: 70,
      });
    });
    await api.database.db.inTenant(other.tenantId, async (em) => {
      em.create(UsageRecord, {
        tenant: other.tenantId,
        metric: 'api_calls',
        periodStart: new Date(currentHour - 30 * HOUR),
        quantity: 999,
      });
    });
    const member = await clientAs(api, tenant, 'member');
    const hours = await member.usage.apiCallsByHour.query({ hours: 48 });
    expect(hours).toHaveLength(48);
    expect(hours.at(-1)?.hour).toBe(new Date(currentHour).toISOString());
    expect(hours.find((point) => point.hour === new Date(currentHour - 30 * HOUR).toISOString())?.apiCalls).toBe(70);
    // This very call was counted in the current hour.
    expect(hours.at(-1)?.apiCalls).toBeGreaterThan(0);
    expect(hours.some((point) => point.apiCalls === 999)).toBe(false);
    await expectRefused(member.usage.apiCallsByHour.query({ hours: 0 }), 'BAD_REQUEST');
    await expectRefused(
      (await clientAs(api, tenant, 'viewer')).usage.apiCallsByHour.query({}),
      'FORBIDDEN',
      'Missing permission: usage.read',
    );
  });

  it('lists the tenant’s own raised alerts, newest first; RLS hides the others with the ORM filter off', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Alerted', 'basic');
    const other = await createTenantWithMembers(api.database.db, 'Alerted Other', 'basic');
    const currentHour = new Date(hourStart(Date.now()));
    for (const [fixture, used] of [
      [tenant, 960],
      [other, 999],
    ] as const) {
      await api.database.db.inTenant(fixture.tenantId, async (em) => {
        for (const [threshold, at] of [
          [80, new Date(currentHour.getTime() + 1000)],
          [95, new Date(currentHour.getTime() + 2000)],
        ] as const) {
          em.create(LimitAlert, {
            tenant: fixture.tenantId,
            limit: 'api_calls',
            thresholdPercent: threshold,
            periodStart: currentHour,
            used,
            max: 1000,
            raisedAt: at,
          });
        }
      });
    }
    const alerts = await (await clientAs(api, tenant, 'member')).usage.alerts.query({});
    expect(alerts.map((alert) => [alert.thresholdPercent, alert.used])).toEqual([
      [95, 960],
      [80, 960],
    ]);
    const seen = await api.database.db.inTenant(tenant.tenantId, (em) => em.find(LimitAlert, {}, { filters: false }));
    expect(seen.every((row) => row.used === 960)).toBe(true);
    await expectRefused(
      (await clientAs(api, tenant, 'viewer')).usage.alerts.query({}),
      'FORBIDDEN',
      'Missing permission: usage.read',
    );
  });
});
