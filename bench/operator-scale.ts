/**
 * Operator screens at scale (`npm run bench operator-scale`): seeds 10,000 tenants with members,
 * sessions, usage, invoices, health history, sign-in audit entries and tickets, then times the
 * operator overview and tenants table over HTTP against a single-tenant read (`tenants.get`) in the
 * same run and process, and prints each analytics query's planner cost (EXPLAIN). Sequential calls,
 * median of rounds; the ratio is the figure to compare, not the milliseconds.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import pg from 'pg';
import { createApp } from '../apps/api/src/app.js';
import { loadApiConfig } from '../apps/api/src/config.js';
import { createApiDeps } from '../apps/api/src/deps.js';
import { issueSession } from '../packages/core/src/auth/sessions.js';
import { User } from '../packages/core/src/users/user.entity.js';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 10_000);
const ROUNDS = process.argv.includes('--quick') ? 5 : 20;
const ownerUrl = process.env.DATABASE_MIGRATION_URL;
if (!ownerUrl) throw new Error('run through `npm run bench operator-scale` (it provisions the services)');

// ── seed, as the schema owner; FORCE RLS is lifted inside the seeding transaction only ─────────────
const TABLES = [
  'tenant_users',
  'auth_sessions',
  'tenant_usage_records',
  'tenant_invoices',
  'tenant_billing_ledger',
  'tenant_health_scores',
  'tenant_audit_logs',
  'analytics_events',
  'tenant_support_tickets',
];
const owner = new pg.Client({ connectionString: ownerUrl });
await owner.connect();
const { rows: existing } = await owner.query<{ n: number }>(
  "select count(*)::int as n from tenants where slug like 'scale-%'",
);
if ((existing[0]?.n ?? 0) < TENANTS) {
  const seedStarted = performance.now();
  await owner.query('begin');
  for (const table of TABLES) await owner.query(`alter table "${table}" no force row level security`);
  await owner.query(
    `insert into tenants (tenant_uuid, name, slug, subscription_tier, max_users, storage_limit_gb, api_rate_limit, is_trial,
                          features, admin_email, admin_name, is_active, suspended_at, created_at)
     select gen_random_uuid(), 'Scale ' || i, 'scale-' || i, (array['basic','professional','enterprise'])[1 + i % 3], 50, 100, 5000,
            i % 10 = 0, '{"core_analytics": true, "ai_insights": true}'::jsonb, 'admin' || i || '@scale.test', 'Admin ' || i,
            i % 50 <> 0, case when i % 50 = 0 then now() - interval '5 days' end, now() - interval '90 days'
       from generate_series(1, $1) i`,
    [TENANTS],
  );
  await owner.query(
    `create temporary table scale_members on commit drop as
     select t.id as tenant_id, gen_random_uuid() as user_id, 'u' || m || '@' || t.slug || '.test' as email, 'Member ' || m as full_name
       from tenants t, generate_series(1, 4) m where t.slug like 'scale-%'`,
  );
  await owner.query('insert into users (id, email, full_name) select user_id, email, full_name from scale_members');
  await owner.query(
    `insert into tenant_users (tenant_id, id, user_id, role, last_active_at)
     select tenant_id, gen_random_uuid(), user_id, 'member', now() - (random() * 40 || ' days')::interval from scale_members`,
  );
  await owner.query(
    `insert into auth_sessions (tenant_id, id, user_id, refresh_token_hash, created_at, last_used_at, absolute_expires_at)
     select tu.tenant_id, gen_random_uuid(), tu.user_id, md5(random()::text), now() - interval '3 days',
            now() - (random() * 40 || ' days')::interval, now() + interval '4 days'
       from tenant_users tu join tenants t on t.id = tu.tenant_id where t.slug like 'scale-%'`,
  );
  await owner.query(
    `insert into tenant_usage_records (tenant_id, metric, period_start, quantity)
     select t.id, 'api_calls', date_trunc('day', now()) - d * interval '1 day' + h * interval '6 hours', (random() * 500)::int
       from tenants t, generate_series(1, 35) d, generate_series(0, 3) h where t.slug like 'scale-%'`,
  );
  await owner.query(
    `insert into tenant_invoices (tenant_id, id, period, amount_cents, status, issued_at, due_at)
     select t.id, gen_random_uuid(), to_char(now() - m * interval '1 month', 'YYYY-MM'), 9900 + (m % 2) * 100,
            (array['paid','paid','failed','overdue'])[1 + (t.id + m) % 4], now(), now()
       from tenants t, generate_series(1, 6) m where t.slug like 'scale-%'`,
  );
  await owner.query(
    `insert into tenant_billing_ledger (tenant_id, id, kind, from_tier, to_tier, monthly_price_cents, period_start, period_end, prorated_amount_cents, created_at)
     select t.id, gen_random_uuid(), 'upgrade', 'basic', t.subscription_tier, 9900, now(), now(), 0, now() - (t.id % 300 || ' days')::interval
       from tenants t where t.slug like 'scale-%'`,
  );
  await owner.query(
    `insert into tenant_health_scores (tenant_id, scored_on, score, churn_risk, components, computed_at)
     select t.id, current_date - d, s.score, case when s.score >= 70 then 'low' when s.score >= 40 then 'medium' else 'high' end,
            '{"engagement": {"value": 0.3, "inputs": {"seats": 4, "activeMembers": 1}}}'::jsonb, now()
       from tenants t, generate_series(0, 6) d, lateral (select round((random() * 100)::numeric, 2) as score) s
      where t.slug like 'scale-%'`,
  );
  await owner.query(
    `insert into tenant_audit_logs (tenant_id, id, action, details, ip_address, created_at)
     select t.id, gen_random_uuid(), (array['auth.sign_in_failed','auth.signed_in'])[1 + k % 2], '{"email": "x@y.test"}',
            ('10.0.' || (k % 4) || '.1')::inet, now() - (k || ' hours')::interval
       from tenants t, generate_series(1, 6) k where t.slug like 'scale-%'`,
  );
  await owner.query(
    `insert into analytics_events (tenant_id, id, event_type, event_data, created_at)
     select t.id, gen_random_uuid(), 'feature.used', jsonb_build_object('feature', (array['core_analytics','ai_insights'])[1 + k % 2]),
            now() - (k * 5 || ' days')::interval
       from tenants t, generate_series(1, 4) k where t.slug like 'scale-%'`,
  );
  await owner.query(
    `insert into tenant_support_tickets (tenant_id, id, subject, priority, status, created_at)
     select t.id, gen_random_uuid(), 'Question', (array['low','normal','high','urgent'])[1 + t.id % 4], 'open', now() - interval '1 day'
       from tenants t where t.slug like 'scale-%' and t.id % 5 = 0`,
  );
  for (const table of TABLES) await owner.query(`alter table "${table}" force row level security`);
  await owner.query('commit');
  await owner.query('analyze');
  console.log(`seeded ${TENANTS} tenants in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
}

// ── the api in this process, an operator session ────────────────────────────────────────────────────
const deps = await createApiDeps(
  loadApiConfig({
    ...process.env,
    LOG_LEVEL: 'silent',
    JWT_SECRET: randomBytes(32).toString('hex'),
    REDIS_PREFIX: `{bench-op-${randomBytes(3).toString('hex')}}`,
    SIGNUP_RATE_LIMIT_PER_HOUR: '10000',
  }),
);
const server = serve({ fetch: createApp(deps).fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const [target] = await deps.db.inPlatformRead((em) =>
  em.execute<{ tenant_id: number; user_id: string }[]>(
    "select tu.tenant_id, tu.user_id from tenant_users tu join tenants t on t.id = tu.tenant_id where t.slug = 'scale-1' limit 1",
  ),
);
if (!target) throw new Error('no seeded member');
await deps.db.inGlobal((em) => em.nativeUpdate(User, { id: target.user_id }, { isPlatformOperator: true }));
await deps.db.inGlobal((em) =>
  em.execute('update tenants set api_rate_limit = 1000000000 where id = ?', [target.tenant_id]),
);
const facts = await deps.tenants.get(target.tenant_id);
if (!facts) throw new Error('bench tenant missing');
/** A fresh session per round: on a loaded machine a run can outlast an access token. */
const authorization = async () => {
  const session = await issueSession(deps.identity, {
    tenant: facts,
    userId: target.user_id,
    actor: { userId: target.user_id, ipAddress: '127.0.0.1', userAgent: 'bench' },
    method: 'bench',
  });
  return { authorization: `Bearer ${session.accessToken}` };
};

const query = (procedure: string, input?: unknown) =>
  `${base}/trpc/${procedure}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`;
const PATHS = [
  { name: 'single-tenant read (tenants.get)', url: query('tenants.get') },
  { name: 'operator overview', url: query('operatorAnalytics.overview') },
  { name: 'tenants table, by MRR', url: query('operatorAnalytics.tenants', { sort: 'mrr', limit: 25 }) },
  { name: 'tenants table, by health', url: query('operatorAnalytics.tenants', { sort: 'health', limit: 25 }) },
  { name: 'tenants table, by usage', url: query('operatorAnalytics.tenants', { sort: 'usage', limit: 25 }) },
  { name: 'tenants table, search', url: query('operatorAnalytics.tenants', { search: 'scale-77', limit: 25 }) },
  { name: 'churn-risk list', url: query('operatorAnalytics.churnRisk', { limit: 100 }) },
  { name: 'feature utilization', url: query('operatorAnalytics.featureUtilization') },
  { name: 'billing anomalies', url: query('operatorAnalytics.billingAnomalies') },
  { name: 'security signals', url: query('operatorAnalytics.securitySignals', { limit: 100 }) },
];

const timings = new Map<string, number[]>(PATHS.map((p) => [p.name, []]));
for (let round = 0; round < ROUNDS + 1; round++) {
  // Interleaved, so a busy moment of the machine touches every path alike; round 0 warms up.
  const headers = await authorization();
  for (const path of PATHS) {
    const started = performance.now();
    const response = await fetch(path.url, { headers });
    await response.text();
    if (!response.ok) throw new Error(`${path.name}: HTTP ${response.status}`);
    if (round > 0) timings.get(path.name)?.push(performance.now() - started);
  }
}
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};
const baseline = median(timings.get(PATHS[0]?.name ?? '') ?? []);
console.log(
  `\n${TENANTS} tenants, ${ROUNDS} rounds, sequential calls; median latency and ratio to the single-tenant read`,
);
for (const path of PATHS) {
  const ms = median(timings.get(path.name) ?? []);
  console.log(`${path.name.padEnd(36)} ${ms.toFixed(1).padStart(8)} ms  ×${(ms / baseline).toFixed(1)}`);
}

// ── planner costs, as the app role inside a platform read ───────────────────────────────────────────
const { tenantMrrSql } = await import('../packages/core/src/operator-analytics/revenue.js');
const mrr = tenantMrrSql();
await deps.db.inPlatformRead(async (em) => {
  const explain = async (name: string, sql: string, params: unknown[]) => {
    const rows = await em.execute<{ 'QUERY PLAN': string }[]>(`explain ${sql}`, params);
    const top = rows[0]?.['QUERY PLAN'] ?? '';
    console.log(`${name.padEnd(36)} ${top.match(/cost=[\d.]+\.\.([\d.]+)/)?.[1] ?? top}`);
  };
  console.log('\nplanner total cost (EXPLAIN, top node)');
  await explain('MRR per tenant (all tenants)', mrr.sql, mrr.params);
  await explain(
    'tenants page by MRR (phase 1)',
    `with m as (${mrr.sql}) select m.id, count(*) over () from m order by mrr_cents desc, id desc limit 25`,
    mrr.params,
  );
  await explain(
    'latest health per tenant (lateral)',
    `select t.id, h.score from tenants t left join lateral (select score from tenant_health_scores s where s.tenant_id = t.id order by s.scored_on desc limit 1) h on true`,
    [],
  );
  await explain(
    'MAU of one page (25 tenants)',
    `select t.id, (select count(distinct s.user_id) from auth_sessions s where s.tenant_id = t.id and s.last_used_at >= now() - interval '30 days') from tenants t where t.id <= 25`,
    [],
  );
});

server.close();
await deps.close();
await owner.end();
