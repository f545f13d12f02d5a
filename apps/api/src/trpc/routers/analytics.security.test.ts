import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { UsageRecord } from '@digame/core/usage';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientAs, expectRefused } from '../../testing/admin.js';
import { useTestApi } from '../../testing/test-api.js';

const api = useTestApi();
const HOUR = 3_600_000;
let basic: TenantFixture;
let professional: TenantFixture;
let enterprise: TenantFixture;

/** `calls(hoursAgo)` API calls per hour for the last `hours` hours, plus seats and storage. */
async function seedUsage(tenant: TenantFixture, hours: number, calls: (hoursAgo: number) => number) {
  const now = Math.floor(Date.now() / HOUR) * HOUR;
  await api.database.db.inTenant(tenant.tenantId, async (em) => {
    for (let h = 1; h <= hours; h++) {
      const periodStart = new Date(now - h * HOUR);
      em.create(UsageRecord, { tenant: tenant.tenantId, metric: 'api_calls', periodStart, quantity: calls(h) });
      em.create(UsageRecord, { tenant: tenant.tenantId, metric: 'seats', periodStart, quantity: 4 });
      em.create(UsageRecord, { tenant: tenant.tenantId, metric: 'storage_bytes', periodStart, quantity: 1000 + h });
    }
  });
}

beforeAll(async () => {
  basic = await createTenantWithMembers(api.database.db, 'Analytics Basic', 'basic');
  professional = await createTenantWithMembers(api.database.db, 'Analytics Pro', 'professional');
  enterprise = await createTenantWithMembers(api.database.db, 'Analytics Enterprise', 'enterprise');
  // 29 days back, so the 28 complete days the insights read are all fully seeded at any time of day.
  await seedUsage(professional, 29 * 24, () => 10);
  // The enterprise tenant grows: older hours see fewer calls.
  await seedUsage(enterprise, 29 * 24, (hoursAgo) => 200 - Math.floor(hoursAgo / 24) * 5);
});

describe('analytics feature gates per tier', () => {
  it('refuse basic tenants every analytics procedure, naming the cheapest tier that has it', async () => {
    const client = await clientAs(api, basic, 'admin');
    const history = await expectRefused(
      client.analytics.usageHistory.query({ days: 7 }),
      'FORBIDDEN',
      'Feature not available in your subscription',
    );
    expect(history.data.details).toMatchObject({ feature: 'advanced_analytics', requiredTier: 'professional' });
    const insights = await expectRefused(client.analytics.insights.query(), 'FORBIDDEN');
    expect(insights.data.details).toMatchObject({ feature: 'ai_insights', requiredTier: 'professional' });
    const report = await expectRefused(client.analytics.monthlyReport.query({ month: '2026-11' }), 'FORBIDDEN');
    expect(report.data.details).toMatchObject({ feature: 'advanced_reporting', requiredTier: 'enterprise' });
    const recommendations = await expectRefused(client.analytics.recommendations.query(), 'FORBIDDEN');
    expect(recommendations.data.details).toMatchObject({ feature: 'ai_insights', requiredTier: 'professional' });
  });

  it('give professional tenants history and insights but not the monthly report', async () => {
    const client = await clientAs(api, professional, 'manager');
    const history = await client.analytics.usageHistory.query({ days: 5 });
    expect(history).toHaveLength(5);
    // Every seeded hour since 00:00 UTC four days ago, at 10 calls each.
    const from = new Date(`${history[0]?.day}T00:00:00Z`).getTime();
    const currentHour = Math.floor(Date.now() / HOUR) * HOUR;
    expect(history.reduce((sum, day) => sum + day.apiCalls, 0)).toBe(((currentHour - from) / HOUR) * 10);
    expect((await client.analytics.insights.query()).direction).toBe('steady');
    // Nobody in the fixture has been active and no feature was used: both recommendations apply.
    const recommendations = await client.analytics.recommendations.query();
    expect(recommendations.map((r) => r.kind)).toEqual(['inactive_seats', 'unused_features']);
    const report = await expectRefused(client.analytics.monthlyReport.query({ month: '2026-11' }), 'FORBIDDEN');
    expect(report.data.details).toMatchObject({ requiredTier: 'enterprise' });
  });

  it('give enterprise tenants all three, computed from their own usage only', async () => {
    const client = await clientAs(api, enterprise, 'admin');
    const insights = await client.analytics.insights.query();
    expect(insights.direction).toBe('growing');
    expect(insights.apiCallTrendPerDay).toBeGreaterThan(0);
    const month = new Date().toISOString().slice(0, 7);
    const report = await client.analytics.monthlyReport.query({ month });
    const [expected] = await api.database.db.inTenant(enterprise.tenantId, (em) =>
      em.execute<{ n: string }[]>(
        "select coalesce(sum(quantity), 0) as n from tenant_usage_records where metric = 'api_calls' and to_char(period_start at time zone 'UTC', 'YYYY-MM') = ?",
        [month],
      ),
    );
    expect(report.apiCalls).toBe(Number(expected?.n));
    expect(report.peakSeats).toBe(4);
    expect(report.activeMembers).toBe(4);
  });
});

describe('analytics permissions and isolation', () => {
  it('refuse members and viewers without analytics.read', async () => {
    for (const role of ['member', 'viewer'] as const) {
      const client = await clientAs(api, enterprise, role);
      await expectRefused(
        client.analytics.usageHistory.query({ days: 7 }),
        'FORBIDDEN',
        'Missing permission: analytics.read',
      );
    }
  });

  it('never include another tenant’s usage', async () => {
    const fresh = await createTenantWithMembers(api.database.db, 'Analytics Empty', 'enterprise');
    const client = await clientAs(api, fresh, 'admin');
    const history = await client.analytics.usageHistory.query({ days: 30 });
    expect(history.every((day) => day.apiCalls === 0 && day.storageBytes === 0)).toBe(true);
    const report = await client.analytics.monthlyReport.query({ month: new Date().toISOString().slice(0, 7) });
    expect(report.apiCalls).toBe(0);
  });

  it('answer bad input with field messages', async () => {
    const client = await clientAs(api, enterprise, 'admin');
    const bad = await expectRefused(client.analytics.monthlyReport.query({ month: '2026-13' }), 'BAD_REQUEST');
    expect(bad.data.fields).toEqual({ month: 'must be a month such as 2026-11' });
  });
});
