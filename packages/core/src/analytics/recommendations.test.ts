import { describe, expect, it } from 'vitest';
import type { TenantContext } from '../services/context.js';
import { TIERS } from '../tenants/tiers.js';
import { createTenantWithMembers, type TenantFixture, useServiceDeps, useTestDatabase } from '../testing/index.js';
import { type Recommendation, tenantRecommendations } from './recommendations.js';

const database = useTestDatabase();
const deps = useServiceDeps(() => database.db);
const DAY = 24 * 3_600_000;
const HOUR = 3_600_000;
const now = new Date();
const today = Math.floor(now.getTime() / DAY) * DAY;
const professional = { ...TIERS.professional.limits, features: TIERS.professional.features };
const limits = {
  maxUsers: professional.maxUsers,
  storageLimitGb: professional.storageLimitGb,
  apiRateLimit: professional.apiCallsPerHour,
  features: professional.features,
};

async function run(t: TenantFixture, sql: string, params: unknown[]) {
  await database.db.inTenant(t.tenantId, (em) => em.execute(sql, params));
}

/** One record per metric at the given hour of each of the last 28 days (day 1 = yesterday). */
async function usage(t: TenantFixture, metric: string, value: (daysAgo: number) => number, hour = 12) {
  for (let daysAgo = 1; daysAgo <= 28; daysAgo++) {
    await run(t, `insert into tenant_usage_records (tenant_id, metric, period_start, quantity) values (?, ?, ?, ?)`, [
      t.tenantId,
      metric,
      new Date(today - daysAgo * DAY + hour * HOUR),
      value(daysAgo),
    ]);
  }
}

async function everyoneActive(t: TenantFixture) {
  await run(t, 'update tenant_users set last_active_at = ? where tenant_id = ?', [
    new Date(now.getTime() - DAY),
    t.tenantId,
  ]);
}

async function useFeatures(t: TenantFixture, features: string[]) {
  for (const feature of features) {
    await run(
      t,
      `insert into analytics_events (tenant_id, id, event_type, event_data, created_at) values (?, gen_random_uuid(), 'feature.used', ?, ?)`,
      [t.tenantId, JSON.stringify({ feature }), new Date(now.getTime() - 2 * DAY)],
    );
  }
}

const allProfessionalFeatures = Object.entries(TIERS.professional.features)
  .filter(([, on]) => on)
  .map(([feature]) => feature);

const recommend = (t: TenantFixture) =>
  deps.run(t.tenantId, (ctx: TenantContext) => tenantRecommendations(ctx, limits), { now });
const kinds = (list: Recommendation[]) => list.map((r) => r.kind);

describe('tenant recommendations', () => {
  it('say nothing for a steady, fully used tenant', async () => {
    const t = await createTenantWithMembers(database.db, 'Steady Co', 'professional');
    await usage(t, 'seats', () => 4);
    await usage(t, 'api_calls', (d) => (d % 2 ? 100 : 120));
    await everyoneActive(t);
    await useFeatures(t, allProfessionalFeatures);
    expect(await recommend(t)).toEqual([]);
  });

  it('forecast the day a limit is reached from the usage trend', async () => {
    const t = await createTenantWithMembers(database.db, 'Growing Co', 'professional');
    // Seats grow by one a day: 20 twenty-eight days ago (x = 0) … 47 yesterday (x = 27); the line
    // reaches the 50-seat limit at x = 30, three days after yesterday's x = 27: today + 2 days.
    await usage(t, 'seats', (d) => 20 + (28 - d));
    await everyoneActive(t);
    await useFeatures(t, allProfessionalFeatures);
    const [forecast, ...rest] = await recommend(t);
    expect(rest).toEqual([]);
    const reachedOn = new Date(today + 2 * DAY).toISOString().slice(0, 10);
    expect(forecast).toMatchObject({
      kind: 'limit_forecast',
      title: `The seats limit will be reached around ${reachedOn}`,
      evidence: { limit: 'seats', max: 50, latest: 47, slopePerDay: 1, reachedOn },
    });
  });

  it('flag a recent day of unusual API usage against the tenant’s own history, not an ordinary one', async () => {
    const t = await createTenantWithMembers(database.db, 'Spiky Co', 'professional');
    // 21 baseline days cycle 100, 110, 120 (mean 110, deviation √(200/3) = 8.16); of the last 7,
    // 3 days ago is 500 (48 deviations away) and the rest are 125 (1.8 deviations: ordinary).
    await usage(t, 'api_calls', (d) => (d === 3 ? 500 : d <= 7 ? 125 : 100 + (d % 3) * 10));
    await everyoneActive(t);
    await useFeatures(t, allProfessionalFeatures);
    const list = await recommend(t);
    const day = new Date(today - 3 * DAY).toISOString().slice(0, 10);
    expect(list).toEqual([
      expect.objectContaining({
        kind: 'unusual_usage',
        title: `Unusual API usage on ${day}`,
        evidence: { day, apiCalls: 500, usualMean: 110, usualDeviation: 8.16 },
      }),
    ]);
  });

  it('name inactive seats and included features that went unused', async () => {
    const t = await createTenantWithMembers(database.db, 'Quiet Co', 'professional');
    // Admin active yesterday, viewer through an analytics event; manager and member not in 30 days.
    await run(t, 'update tenant_users set last_active_at = ? where user_id = ?', [
      new Date(now.getTime() - DAY),
      t.users.admin,
    ]);
    await run(t, 'update tenant_users set last_active_at = ? where user_id = ?', [
      new Date(now.getTime() - 40 * DAY),
      t.users.member,
    ]);
    await run(
      t,
      `insert into analytics_events (tenant_id, id, user_id, event_type, event_data, created_at) values (?, gen_random_uuid(), ?, 'page.viewed', '{}', ?)`,
      [t.tenantId, t.users.viewer, new Date(now.getTime() - 3 * DAY)],
    );
    await useFeatures(t, ['core_analytics', 'ai_insights', 'api_access', 'custom_branding', 'priority_support']);
    const list = await recommend(t);
    expect(kinds(list)).toEqual(['inactive_seats', 'unused_features']);
    expect(list[0]).toMatchObject({
      title: '2 of 4 seats unused for 30 days',
      evidence: { inactive: 2, seats: 4, members: ['Quiet Co manager', 'Quiet Co member'] },
    });
    expect(list[1]).toMatchObject({
      title: '2 of 7 included features unused',
      evidence: { unused: ['social_collaboration', 'advanced_analytics'], enabled: 7 },
    });
  });
});
