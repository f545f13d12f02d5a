import { beforeAll, describe, expect, it } from 'vitest';
import { supportInbox, supportVolume } from '../support/support.service.js';
import { createTenantWithMembers, type TenantFixture, useTestDatabase } from '../testing/index.js';
import { revenueOverview, tenantRows } from './revenue.js';
import { billingAnomalies, churnRiskList, featureUtilization, securitySignals } from './signals.js';

const database = useTestDatabase();
const DAY = 24 * 3_600_000;
const HOUR = 3_600_000;
const now = new Date();
const ago = (ms: number) => new Date(now.getTime() - ms);
const today = Math.floor(now.getTime() / DAY) * DAY;
const thisMonth = now.toISOString().slice(0, 7);

let alpha: TenantFixture;
let beta: TenantFixture;
let gamma: TenantFixture;
let delta: TenantFixture;
let epsilon: TenantFixture;
let zeta: TenantFixture;

/**
 * Six tenants whose platform figures are worked out by hand in each test below:
 * - Alpha: professional, paying the catalog 99.00; Beta: basic, 29.00, downgraded this month;
 *   Gamma: enterprise on a 500.00 contract; Zeta: professional, upgraded this month;
 *   Delta: professional on trial (0), trial ending in 2.5 days;
 *   Epsilon: basic, suspended 10 days ago (churned, 0). All but Delta were created 60 days ago.
 */
async function sql(tenantId: number, text: string, params: unknown[] = []) {
  await database.db.inTenant(tenantId, (em) => em.execute(text, params));
}

async function tenantRow(t: TenantFixture, fields: { trial: boolean; active?: boolean; createdDaysAgo: number }) {
  await database.db.inGlobal((em) =>
    em.execute(
      `update tenants set is_trial = ?, trial_ends_at = ?, is_active = ?, suspended_at = ?, created_at = ? where id = ?`,
      [
        fields.trial,
        fields.trial ? new Date(now.getTime() + 2.5 * DAY) : null,
        fields.active ?? true,
        fields.active === false ? ago(10 * DAY) : null,
        ago(fields.createdDaysAgo * DAY),
        t.tenantId,
      ],
    ),
  );
}

const ledger = (t: TenantFixture, kind: string, from: string | null, to: string, cents: number) =>
  sql(
    t.tenantId,
    `insert into tenant_billing_ledger (tenant_id, id, kind, from_tier, to_tier, monthly_price_cents, period_start, period_end, prorated_amount_cents, created_at)
     values (?, gen_random_uuid(), ?, ?, ?, ?, now(), now(), 0, ?)`,
    [t.tenantId, kind, from, to, cents, now],
  );

const session = (t: TenantFixture, user: string, createdAgo: number, usedAgo: number) =>
  sql(
    t.tenantId,
    `insert into auth_sessions (tenant_id, id, user_id, refresh_token_hash, created_at, last_used_at, absolute_expires_at)
     values (?, gen_random_uuid(), ?, md5(random()::text), ?, ?, ?)`,
    [t.tenantId, user, ago(createdAgo), ago(usedAgo), new Date(now.getTime() + DAY)],
  );

const featureEvent = (t: TenantFixture, feature: string, daysAgo: number) =>
  sql(
    t.tenantId,
    `insert into analytics_events (tenant_id, id, event_type, event_data, created_at) values (?, gen_random_uuid(), 'feature.used', ?, ?)`,
    [t.tenantId, JSON.stringify({ feature }), ago(daysAgo * DAY)],
  );

const health = (t: TenantFixture, daysAgo: number, score: number, risk: string, components: object) =>
  sql(
    t.tenantId,
    `insert into tenant_health_scores (tenant_id, scored_on, score, churn_risk, components, computed_at) values (?, ?, ?, ?, ?, now())`,
    [t.tenantId, new Date(today - daysAgo * DAY).toISOString().slice(0, 10), score, risk, JSON.stringify(components)],
  );

const component = (value: number, inputs: object = {}) => ({ value, inputs });
const healthy = {
  engagement: component(1),
  featureAdoption: component(1),
  supportSatisfaction: component(0.75),
  paymentHealth: component(1),
  usageConsistency: component(0.5),
};

const invoice = (t: TenantFixture, period: string, cents: number) =>
  sql(
    t.tenantId,
    `insert into tenant_invoices (tenant_id, id, period, amount_cents, status, issued_at, due_at) values (?, gen_random_uuid(), ?, ?, 'paid', now(), now())`,
    [t.tenantId, period, cents],
  );

/** One usage record at noon of each of the given days before today. */
async function dailyCalls(t: TenantFixture, calls: (daysAgo: number) => number, days: number[]) {
  for (const daysAgo of days) {
    await sql(
      t.tenantId,
      `insert into tenant_usage_records (tenant_id, metric, period_start, quantity) values (?, 'api_calls', ?, ?)`,
      [t.tenantId, new Date(today - daysAgo * DAY + 12 * HOUR), calls(daysAgo)],
    );
  }
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const auditEntry = (t: TenantFixture, action: string, at: Date, ip: string, user: string | null, email = '') =>
  sql(
    t.tenantId,
    `insert into tenant_audit_logs (tenant_id, id, user_id, action, details, ip_address, created_at) values (?, gen_random_uuid(), ?, ?, ?, ?, ?)`,
    [t.tenantId, user, action, JSON.stringify({ email }), ip, at],
  );

beforeAll(async () => {
  alpha = await createTenantWithMembers(database.db, 'Alpha', 'professional');
  beta = await createTenantWithMembers(database.db, 'Beta', 'basic');
  gamma = await createTenantWithMembers(database.db, 'Gamma', 'enterprise');
  delta = await createTenantWithMembers(database.db, 'Delta', 'professional');
  epsilon = await createTenantWithMembers(database.db, 'Epsilon', 'basic');
  zeta = await createTenantWithMembers(database.db, 'Zeta', 'professional');
  for (const t of [alpha, beta, gamma, zeta]) await tenantRow(t, { trial: false, createdDaysAgo: 60 });
  await tenantRow(delta, { trial: true, createdDaysAgo: 5 });
  await tenantRow(epsilon, { trial: false, active: false, createdDaysAgo: 60 });

  await ledger(beta, 'downgrade', 'professional', 'basic', 2_900);
  await ledger(gamma, 'custom_plan', 'enterprise', 'enterprise', 50_000);
  await ledger(zeta, 'upgrade', 'basic', 'professional', 9_900);

  // Alpha's sessions: admin used 2 and 10 days ago (3 and 1 days long), manager 1 hour ago (1 hour
  // long), member last 40 days ago (not active).
  await session(alpha, alpha.users.admin, 5 * DAY, 2 * DAY);
  await session(alpha, alpha.users.admin, 11 * DAY, 10 * DAY);
  await session(alpha, alpha.users.manager, 2 * HOUR, HOUR);
  await session(alpha, alpha.users.member, 41 * DAY, 40 * DAY);

  await featureEvent(alpha, 'ai_insights', 3);
  await featureEvent(alpha, 'ai_insights', 4);
  await featureEvent(alpha, 'core_analytics', 1);
  await featureEvent(zeta, 'ai_insights', 40);
  await featureEvent(zeta, 'core_analytics', 1);
  await featureEvent(beta, 'ai_insights', 1); // not enabled on basic: does not count
  await featureEvent(epsilon, 'core_analytics', 1); // suspended: not counted

  await health(alpha, 1, 80, 'low', healthy);
  await health(alpha, 0, 35, 'high', {
    engagement: component(0.25, { seats: 4, activeMembers: 1 }),
    featureAdoption: component(0.1, { enabled: 7, used: [] }),
    supportSatisfaction: component(0.75, { tickets: 0 }),
    paymentHealth: component(0.5, { paid: 2, failed: 1, overdue: 1 }),
    usageConsistency: component(0.5),
  });
  await health(beta, 0, 55, 'medium', { ...healthy, engagement: component(0.4, { seats: 5, activeMembers: 2 }) });
  await health(gamma, 0, 90, 'low', healthy);
  await health(delta, 0, 45, 'medium', healthy);

  for (const [period, cents] of [
    ['2026-06', 9_900],
    ['2026-07', 9_900],
    ['2026-08', 9_900],
    ['2026-09', 25_000],
  ] as const) {
    await invoice(alpha, period, cents);
  }
  for (const [period, cents] of [
    ['2026-06', 2_900],
    ['2026-07', 2_900],
    ['2026-08', 2_900],
    ['2026-09', 3_000],
  ] as const) {
    await invoice(beta, period, cents);
  }
  await invoice(gamma, '2026-09', 50_000);

  await dailyCalls(alpha, () => 150, range(1, 35));
  await dailyCalls(zeta, (d) => (d <= 7 ? 1_000 : 200), range(1, 35));
  await dailyCalls(beta, (d) => (d <= 7 ? 500 : 20), range(1, 35));
  await dailyCalls(gamma, () => 1_234, [3]);

  // Alpha: 6 failures of one account from one address inside one clock hour, 2 from another address.
  const hourStart = Math.floor(now.getTime() / HOUR) * HOUR - 2 * HOUR;
  for (let minute = 1; minute <= 6; minute++) {
    await auditEntry(
      alpha,
      'auth.sign_in_failed',
      new Date(hourStart + minute * 60_000),
      '10.0.0.1',
      null,
      'x@alpha.test',
    );
  }
  await auditEntry(alpha, 'auth.sign_in_failed', ago(DAY), '10.0.0.2', null, 'x@alpha.test');
  await auditEntry(alpha, 'auth.sign_in_failed', ago(2 * DAY), '10.0.0.2', null, 'x@alpha.test');
  // Alpha's admin signs in from a known address and from a new one; the manager has no history.
  await auditEntry(alpha, 'auth.signed_in', ago(20 * DAY), '10.1.1.1', alpha.users.admin);
  await auditEntry(alpha, 'auth.signed_in', ago(DAY), '10.1.1.1', alpha.users.admin);
  await auditEntry(alpha, 'auth.signed_in', ago(2 * DAY), '10.9.9.9', alpha.users.admin);
  await auditEntry(alpha, 'auth.signed_in', ago(DAY), '10.2.2.2', alpha.users.manager);
  await auditEntry(beta, 'auth.sign_in_failed', ago(3 * DAY), '10.3.3.3', null, 'y@beta.test');
  await auditEntry(beta, 'auth.sign_in_failed', ago(9 * DAY), '10.3.3.3', null, 'y@beta.test');

  const ticket = (
    t: TenantFixture,
    priority: string,
    openedAgo: number,
    answered?: { after: number; resolved: number; rating: number },
  ) =>
    sql(
      t.tenantId,
      `insert into tenant_support_tickets (tenant_id, id, opened_by_user_id, subject, priority, status, created_at, first_response_at, resolved_at, satisfaction_rating)
       values (?, gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        t.tenantId,
        t.users.member,
        `${priority} question`,
        priority,
        answered ? 'resolved' : 'open',
        ago(openedAgo),
        answered ? new Date(now.getTime() - openedAgo + answered.after) : null,
        answered ? new Date(now.getTime() - openedAgo + answered.resolved) : null,
        answered?.rating ?? null,
      ],
    );
  await ticket(alpha, 'urgent', 2 * DAY);
  await ticket(beta, 'low', 5 * DAY);
  await ticket(alpha, 'normal', 6 * DAY, { after: 2 * HOUR, resolved: 10 * HOUR, rating: 4 });
});

const platform = <T>(work: Parameters<typeof database.db.inPlatformRead<T>>[0]) => database.db.inPlatformRead(work);

describe('operator revenue figures equal the hand-computed values', () => {
  it('MRR in total and by tier, ARPU, churn rate by tier, lifetime value and plan changes', async () => {
    const overview = await platform((em) => revenueOverview(em, now));
    // Paying: Alpha 9,900 + Beta 2,900 + Gamma 50,000 (contract) + Zeta 9,900 = 72,700 over 4 tenants.
    expect(overview.totalMrrCents).toBe(72_700);
    expect(overview.payingTenants).toBe(4);
    expect(overview.arpuCents).toBe(18_175);
    // Customers 30 days ago: Alpha, Beta, Gamma, Epsilon, Zeta; Epsilon churned: 1 / 5.
    expect(overview.monthlyChurnRate).toBe(0.2);
    expect(overview.lifetimeValueCents).toBe(90_875);
    expect(overview.tenants).toEqual({ total: 6, active: 5, suspended: 1, trial: 1 });
    expect(overview.byTier).toEqual([
      { tier: 'basic', mrrCents: 2_900, payingTenants: 1, customersAtStart: 2, churnedTenants: 1, churnRate: 0.5 },
      {
        tier: 'professional',
        mrrCents: 19_800,
        payingTenants: 2,
        customersAtStart: 2,
        churnedTenants: 0,
        churnRate: 0,
      },
      { tier: 'enterprise', mrrCents: 50_000, payingTenants: 1, customersAtStart: 1, churnedTenants: 0, churnRate: 0 },
    ]);
    expect(overview.planChanges).toHaveLength(12);
    expect(overview.planChanges.at(-1)).toEqual({ month: thisMonth, upgrades: 1, downgrades: 1 });
    expect(overview.planChanges.slice(0, 11).every((m) => m.upgrades === 0 && m.downgrades === 0)).toBe(true);
  });
});

describe('operator tenants table', () => {
  it('shows MRR, seats, monthly active users from sessions, usage and the latest health per tenant', async () => {
    const page = await platform((em) => tenantRows(em, now, { search: 'alph', sort: 'newest', limit: 25, offset: 0 }));
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({
      name: 'Alpha',
      tier: 'professional',
      mrrCents: 9_900,
      seats: 4,
      monthlyActiveUsers: 2,
      // (3 days + 1 day + 1 hour) / 3 sessions used in the last 30 days
      averageSessionSeconds: (3 * 86_400 + 86_400 + 3_600) / 3,
      healthScore: 35,
      churnRisk: 'high',
    });
    const gammaRow = await platform((em) =>
      tenantRows(em, now, { tier: 'enterprise', sort: 'mrr', limit: 5, offset: 0 }),
    );
    expect(gammaRow.items.map((row) => [row.name, row.apiCalls30d, row.mrrCents])).toEqual([['Gamma', 1_234, 50_000]]);
  });

  it('filters by tier, trial, status and health band, and sorts by MRR, health and usage', async () => {
    const names = async (query: Partial<Parameters<typeof tenantRows>[2]>) =>
      (await platform((em) => tenantRows(em, now, { sort: 'newest', limit: 25, offset: 0, ...query }))).items.map(
        (row) => row.name,
      );
    expect(await names({ sort: 'mrr' })).toEqual(['Gamma', 'Zeta', 'Alpha', 'Beta', 'Epsilon', 'Delta']);
    expect(await names({ sort: 'health' })).toEqual(['Alpha', 'Delta', 'Beta', 'Gamma', 'Zeta', 'Epsilon']);
    expect((await names({ sort: 'usage' })).slice(0, 3)).toEqual(['Zeta', 'Alpha', 'Beta']);
    expect(await names({ healthBand: 'high' })).toEqual(['Alpha']);
    expect(await names({ trial: true })).toEqual(['Delta']);
    expect(await names({ active: false })).toEqual(['Epsilon']);
    expect(await names({ tier: 'basic', sort: 'name' })).toEqual(['Beta', 'Epsilon']);
    const second = await platform((em) => tenantRows(em, now, { sort: 'mrr', limit: 2, offset: 2 }));
    expect([second.total, second.items.map((row) => row.name)]).toEqual([6, ['Alpha', 'Beta']]);
  });
});

describe('operator adoption and risk signals', () => {
  it('feature utilization by tier counts active tenants that used an enabled feature in 30 days', async () => {
    const rows = await platform((em) => featureUtilization(em, now));
    const of = (tier: string, feature: string) => rows.find((row) => row.tier === tier && row.feature === feature);
    // Professional and active: Alpha, Delta, Zeta. ai_insights used by Alpha only (Zeta's is 40 days old).
    expect(of('professional', 'ai_insights')).toMatchObject({ enabledTenants: 3, usingTenants: 1, utilization: 1 / 3 });
    expect(of('professional', 'core_analytics')).toMatchObject({
      enabledTenants: 3,
      usingTenants: 2,
      utilization: 2 / 3,
    });
    // Basic and active: Beta only (Epsilon is suspended); its ai_insights event is for a feature it lacks.
    expect(of('basic', 'core_analytics')).toMatchObject({ enabledTenants: 1, usingTenants: 0, utilization: 0 });
    expect(of('basic', 'ai_insights')).toMatchObject({ enabledTenants: 0, usingTenants: 0, utilization: null });
  });

  it('lists tenants at churn risk by their latest score, with the reasons behind it', async () => {
    const list = await platform((em) => churnRiskList(em, now, 10));
    expect(list.map((row) => [row.name, row.score, row.churnRisk, row.reasons])).toEqual([
      [
        'Alpha',
        35,
        'high',
        [
          'uses 0 of 7 enabled features',
          '1 of 4 seats active in the last 30 days',
          '1 failed and 1 overdue of the latest invoices',
        ],
      ],
      ['Delta', 45, 'medium', ['trial ends in 3 days']],
      ['Beta', 55, 'medium', ['2 of 5 seats active in the last 30 days']],
    ]);
  });

  it('flags invoices and usage that depart from the tenant’s own history', async () => {
    const anomalies = await platform((em) => billingAnomalies(em, now));
    expect(anomalies.map((a) => [a.name, a.kind, a.latest, a.baseline, a.explanation])).toEqual([
      ['Alpha', 'invoice', 25_000, 9_900, 'invoice 2026-09 is 153% above the average of its previous invoices'],
      ['Zeta', 'usage', 1_000, 200, 'daily API calls of the last 7 days are 400% above the 28 days before'],
    ]);
  });

  it('reports failed sign-ins, likely lock-outs and sign-ins from new addresses per tenant', async () => {
    const signals = await platform((em) => securitySignals(em, now, 10));
    expect(signals.map((s) => [s.name, s.failedSignIns, s.likelyLockouts, s.unusualSignInAddresses])).toEqual([
      ['Alpha', 8, 1, 1],
      ['Beta', 1, 0, 0],
    ]);
  });

  it('gives the support inbox across tenants and the platform’s support volume and times', async () => {
    const inbox = await platform((em) => supportInbox(em, { status: 'open', limit: 10 }));
    expect(inbox.map((t) => [t.tenantName, t.priority])).toEqual([
      ['Alpha', 'urgent'],
      ['Beta', 'low'],
    ]);
    expect(await platform((em) => supportVolume(em, now, 30))).toEqual({
      opened: 3,
      open: 2,
      meanFirstResponseHours: 2,
      meanResolutionHours: 10,
      meanRating: 4,
    });
  });
});

describe('the platform read path', () => {
  it('can change nothing', async () => {
    await expect(
      platform((em) =>
        em.execute(
          `insert into tenant_invoices (tenant_id, id, period, amount_cents, issued_at, due_at) values (?, gen_random_uuid(), '2030-01', 1, now(), now())`,
          [alpha.tenantId],
        ),
      ),
    ).rejects.toThrow(/read-only transaction/);
  });

  it('is not what a tenant unit of work sees: other tenants stay hidden there', async () => {
    const seen = await database.db.inTenant(beta.tenantId, (em) =>
      em.execute<{ n: number }[]>(
        `select (select count(*)::int from tenant_invoices where tenant_id = ?) + (select count(*)::int from auth_sessions) +
                (select count(*)::int from tenant_health_scores where tenant_id <> ?) as n`,
        [alpha.tenantId, beta.tenantId],
      ),
    );
    expect(seen).toEqual([{ n: 0 }]);
    const outside = await database.db.inGlobal((em) =>
      em.execute<{ n: number }[]>('select count(*)::int as n from tenant_invoices'),
    );
    expect(outside).toEqual([{ n: 0 }]);
  });
});
