import { describe, expect, it } from 'vitest';
import { tenantStreamKey } from '../events/event-bus.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { createTenantWithMembers, useServiceDeps, useTestDatabase } from '../testing/index.js';
import { computeHealthScore, recordHealthScore } from './health-score.js';

const database = useTestDatabase();
const deps = useServiceDeps(() => database.db);
const DAY = 24 * 3_600_000;

/**
 * Fixture whose score is worked out by hand (see docs/health-score.md):
 * - engagement: 3 of 4 active members (admin 1 day ago, manager 10 days ago, viewer through an
 *   analytics event 5 days ago; member last seen 40 days ago) = 0.75
 * - feature adoption: core_analytics and ai_insights used of the 7 professional features
 *   (sso is used but not enabled, api_access was used 40 days ago) = 2/7
 * - support: 3 tickets in the last 90 days (a 100-day-old one rated 1 does not count) from 4 seats.
 *   satisfaction: ratings 5 and 2 ((1 + 0.25) / 2; the unrated ticket does not count) = 0.625;
 *   response: answered after 2 h, 30 h and 1 h → 2 of 3 within 24 h = 2/3;
 *   resolution: resolved after 24 h and 120 h, the third still open and younger than 72 h → 1 of 2 = 0.5;
 *   volume: 1 − 3 ÷ (2 × 4) = 0.625;
 *   0.5×0.625 + 0.2×2/3 + 0.2×0.5 + 0.1×0.625 = 0.608333…
 * - payment health: 4 paid of the 6 latest settled invoices (an older failed one and an open one
 *   do not count) = 2/3
 * - usage consistency: 14 days alternating 100 and 300 calls: mean 200, deviation 100, CV 0.5 = 0.5
 * score = 100 × (0.3×0.75 + 0.2×2/7 + 0.2×0.608333 + 0.2×2/3 + 0.1×0.5) = 58.71 → medium risk
 */
async function fixture() {
  const t = await createTenantWithMembers(database.db, 'Healthy Co', 'professional');
  const now = Date.now();
  const ago = (days: number) => new Date(now - days * DAY);
  await database.db.inTenant(t.tenantId, async (em) => {
    const run = (sql: string, params: unknown[]) => em.execute(sql, params);
    await run('update tenants set created_at = ? where id = ?', [ago(60), t.tenantId]);
    for (const [role, days] of [
      ['admin', 1],
      ['manager', 10],
      ['member', 40],
    ] as const) {
      await run('update tenant_users set last_active_at = ? where user_id = ?', [ago(days), t.users[role]]);
    }
    const event = (user: string | null, feature: string, days: number) =>
      run(
        `insert into analytics_events (tenant_id, id, user_id, event_type, event_data, created_at) values (?, gen_random_uuid(), ?, 'feature.used', ?, ?)`,
        [t.tenantId, user, JSON.stringify({ feature }), ago(days)],
      );
    await event(t.users.viewer, 'core_analytics', 5);
    await event(t.users.admin, 'ai_insights', 2);
    await event(t.users.admin, 'ai_insights', 3);
    await event(null, 'sso', 4);
    await event(t.users.admin, 'api_access', 40);
    const hours = (h: number) => h * 3_600_000;
    const ticket = (
      rating: number | null,
      days: number,
      respondedAfter: number | null,
      resolvedAfter: number | null,
    ) => {
      const opened = ago(days).getTime();
      const at = (after: number | null) => (after === null ? null : new Date(opened + hours(after)));
      return run(
        `insert into tenant_support_tickets (tenant_id, id, subject, status, satisfaction_rating, created_at, first_response_at, resolved_at) values (?, gen_random_uuid(), 'help', ?, ?, ?, ?, ?)`,
        [
          t.tenantId,
          resolvedAfter === null ? 'open' : 'resolved',
          rating,
          ago(days),
          at(respondedAfter),
          at(resolvedAfter),
        ],
      );
    };
    await ticket(5, 10, 2, 24);
    await ticket(2, 30, 30, 120);
    await ticket(null, 2, 1, null);
    await ticket(1, 100, 1, 2);
    const invoice = (period: string, status: string) =>
      run(
        `insert into tenant_invoices (tenant_id, id, period, amount_cents, status, issued_at, due_at) values (?, gen_random_uuid(), ?, 9900, ?, now(), now())`,
        [t.tenantId, period, status],
      );
    for (const [period, status] of [
      ['2025-01', 'failed'],
      ['2025-02', 'paid'],
      ['2025-03', 'paid'],
      ['2025-04', 'failed'],
      ['2025-05', 'paid'],
      ['2025-06', 'overdue'],
      ['2025-07', 'paid'],
      ['2025-08', 'open'],
    ] as const) {
      await invoice(period, status);
    }
    const today = Math.floor(now / DAY) * DAY;
    const usage = (at: number, quantity: number) =>
      run(
        `insert into tenant_usage_records (tenant_id, metric, period_start, quantity) values (?, 'api_calls', ?, ?)`,
        [t.tenantId, new Date(at), quantity],
      );
    for (let day = 1; day <= 14; day++) {
      const start = today - day * DAY;
      if (day % 2) {
        await usage(start + 5 * 3_600_000, 60);
        await usage(start + 17 * 3_600_000, 40);
      } else {
        await usage(start + 5 * 3_600_000, 300);
      }
    }
    await usage(today, 5_000); // today is not complete: left out
    await usage(today - 20 * DAY, 5_000); // outside the window
  });
  return t;
}

describe('tenant health score', () => {
  it('equals the hand-computed value on fixture data', async () => {
    const t = await fixture();
    const result = await deps.run(t.tenantId, async (ctx) =>
      computeHealthScore(ctx, await ctx.em.findOneOrFail(Tenant, { id: t.tenantId })),
    );
    expect(result.components.engagement.value).toBe(0.75);
    expect(result.components.featureAdoption.value).toBeCloseTo(2 / 7, 10);
    expect(result.components.supportSatisfaction.value).toBeCloseTo(
      0.5 * 0.625 + 0.2 * (2 / 3) + 0.2 * 0.5 + 0.1 * 0.625,
      10,
    );
    expect(result.components.paymentHealth.value).toBeCloseTo(2 / 3, 10);
    expect(result.components.usageConsistency.value).toBeCloseTo(0.5, 10);
    expect(result.score).toBe(58.71);
    expect(result.churnRisk).toBe('medium');
  });

  it('uses neutral values where a tenant has no data yet', async () => {
    const t = await createTenantWithMembers(database.db, 'Fresh Co', 'basic');
    const result = await deps.run(t.tenantId, async (ctx) =>
      computeHealthScore(ctx, await ctx.em.findOneOrFail(Tenant, { id: t.tenantId })),
    );
    // No activity (0), no adoption (0), neutral support 0.75, payment 1, consistency 0.5 (too young):
    // 40, the lower edge of medium risk. Activity is what moves a new tenant up.
    expect(result.score).toBe(40);
    expect(result.churnRisk).toBe('medium');
  });

  it('keeps one score per day as history and tells live dashboards', async () => {
    const t = await createTenantWithMembers(database.db, 'History Co', 'basic');
    const score = (now: Date) =>
      deps.run(
        t.tenantId,
        async (ctx) => recordHealthScore(ctx, await ctx.em.findOneOrFail(Tenant, { id: t.tenantId })),
        { now },
      );
    const now = Date.now();
    await score(new Date(now));
    await score(new Date(now));
    await score(new Date(now + DAY));
    const rows = await database.db.inTenant(t.tenantId, (em) =>
      em.execute<{ scored_on: string }[]>('select scored_on::text from tenant_health_scores order by scored_on'),
    );
    expect(rows).toHaveLength(2);
    const events = await deps.redis.xrange(tenantStreamKey(deps.prefix, t.tenantId), '-', '+');
    expect(events.map(([, fields]) => JSON.parse(fields[1] as string).type)).toEqual([
      'health.updated',
      'health.updated',
      'health.updated',
    ]);
  });
});
