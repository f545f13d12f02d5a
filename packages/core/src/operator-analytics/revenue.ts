import type { EntityManager } from '@mikro-orm/postgresql';
import { TIER_NAMES, TIERS, type TierName } from '../tenants/tiers.js';

/**
 * Platform-wide revenue figures, in SQL over the real tables. Every function takes the
 * EntityManager of Database.inPlatformRead (read-only, all tenants visible) and the time to compute
 * at; figures are defined in docs/operator-analytics.md.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
export const CHURN_WINDOW_DAYS = 30;
export const ACTIVE_USER_WINDOW_DAYS = 30;

/** A VALUES list of the catalog prices (per contract counts as 0 until the ledger names a price). */
function catalogPrices(): { sql: string; params: (string | number)[] } {
  return {
    sql: TIER_NAMES.map(() => '(?::text, ?::int)').join(', '),
    params: TIER_NAMES.flatMap((name) => [name, TIERS[name].monthlyPriceCents ?? 0]),
  };
}

/**
 * One row per tenant with the MRR it pays: 0 on trial or suspended, else the latest ledger entry's
 * price when it is for the current tier (a contract price), else the catalog's. The same rule as
 * billing's monthlyRecurringRevenueCents, for every tenant in one statement.
 */
export function tenantMrrSql(): { sql: string; params: (string | number)[] } {
  const prices = catalogPrices();
  return {
    sql: `select t.id, t.tenant_uuid, t.name, t.slug, t.subscription_tier as tier, t.is_trial, t.is_active,
            t.created_at, t.suspended_at, t.trial_ends_at, t.features,
            case when t.is_trial or not t.is_active then 0
                 else coalesce(case when l.to_tier = t.subscription_tier then l.monthly_price_cents end, p.cents) end as mrr_cents
       from tenants t
       join (values ${prices.sql}) as p(tier, cents) on p.tier = t.subscription_tier
       left join lateral (
         select to_tier, monthly_price_cents from tenant_billing_ledger l
          where l.tenant_id = t.id order by l.created_at desc, l.id desc limit 1) l on true`,
    params: prices.params,
  };
}

export interface TierRevenue {
  tier: TierName;
  mrrCents: number;
  payingTenants: number;
  /** Paying tenants of the tier at the start of the churn window. */
  customersAtStart: number;
  churnedTenants: number;
  /** churned ÷ customers at start over the last 30 days; null with no customers at start. */
  churnRate: number | null;
}

export interface RevenueOverview {
  totalMrrCents: number;
  payingTenants: number;
  /** Average revenue per paying tenant, in cents per month. */
  arpuCents: number;
  /** ARPU ÷ monthly churn rate: what a paying tenant brings in over its expected lifetime. */
  lifetimeValueCents: number | null;
  monthlyChurnRate: number | null;
  tenants: { total: number; active: number; suspended: number; trial: number };
  byTier: TierRevenue[];
  /** Upgrades and downgrades per calendar month (UTC), the last 12 months, oldest first. */
  planChanges: { month: string; upgrades: number; downgrades: number }[];
}

interface TierRow {
  tier: TierName;
  mrr_cents: string;
  paying: string;
  at_start: string;
  churned: string;
  total: string;
  active: string;
  trial: string;
}

export async function revenueOverview(em: EntityManager, now: Date): Promise<RevenueOverview> {
  const windowStart = new Date(now.getTime() - CHURN_WINDOW_DAYS * DAY_MS);
  const mrr = tenantMrrSql();
  const rows = await em.execute<TierRow[]>(
    `with m as (${mrr.sql})
     select tier, sum(mrr_cents) as mrr_cents,
            count(*) filter (where mrr_cents > 0) as paying,
            count(*) filter (where not is_trial and created_at < ? and (is_active or suspended_at >= ?)) as at_start,
            count(*) filter (where not is_trial and not is_active and suspended_at >= ? and suspended_at < ?) as churned,
            count(*) as total, count(*) filter (where is_active) as active, count(*) filter (where is_trial) as trial
       from m group by tier`,
    [...mrr.params, windowStart, windowStart, windowStart, now],
  );
  const byName = new Map(rows.map((row) => [row.tier, row]));
  const byTier = TIER_NAMES.map((tier): TierRevenue => {
    const row = byName.get(tier);
    const customersAtStart = Number(row?.at_start ?? 0);
    const churnedTenants = Number(row?.churned ?? 0);
    return {
      tier,
      mrrCents: Number(row?.mrr_cents ?? 0),
      payingTenants: Number(row?.paying ?? 0),
      customersAtStart,
      churnedTenants,
      churnRate: customersAtStart ? churnedTenants / customersAtStart : null,
    };
  });
  const sum = (pick: (row: TierRow) => string) => rows.reduce((total, row) => total + Number(pick(row)), 0);
  const totalMrrCents = sum((row) => row.mrr_cents);
  const payingTenants = sum((row) => row.paying);
  const atStart = sum((row) => row.at_start);
  const churned = sum((row) => row.churned);
  const arpuCents = payingTenants ? totalMrrCents / payingTenants : 0;
  const monthlyChurnRate = atStart ? churned / atStart : null;
  const total = sum((row) => row.total);
  const active = sum((row) => row.active);
  return {
    totalMrrCents,
    payingTenants,
    arpuCents,
    lifetimeValueCents: monthlyChurnRate ? arpuCents / monthlyChurnRate : null,
    monthlyChurnRate,
    tenants: { total, active, suspended: total - active, trial: sum((row) => row.trial) },
    byTier,
    planChanges: await planChanges(em, now),
  };
}

async function planChanges(em: EntityManager, now: Date): Promise<RevenueOverview['planChanges']> {
  const firstMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1));
  const rows = await em.execute<{ month: string; upgrades: string; downgrades: string }[]>(
    `select to_char(created_at at time zone 'UTC', 'YYYY-MM') as month,
            count(*) filter (where kind = 'upgrade') as upgrades, count(*) filter (where kind = 'downgrade') as downgrades
       from tenant_billing_ledger where created_at >= ? and created_at <= ? group by 1`,
    [firstMonth, now],
  );
  const byMonth = new Map(rows.map((row) => [row.month, row]));
  return Array.from({ length: 12 }, (_, i) => {
    const month = new Date(Date.UTC(firstMonth.getUTCFullYear(), firstMonth.getUTCMonth() + i, 1))
      .toISOString()
      .slice(0, 7);
    const row = byMonth.get(month);
    return { month, upgrades: Number(row?.upgrades ?? 0), downgrades: Number(row?.downgrades ?? 0) };
  });
}

export const TENANT_SORTS = ['mrr', 'health', 'usage', 'name', 'newest'] as const;
export type TenantSort = (typeof TENANT_SORTS)[number];
export const HEALTH_BANDS = ['low', 'medium', 'high'] as const;

export interface TenantRowQuery {
  search?: string;
  tier?: TierName;
  trial?: boolean;
  active?: boolean;
  /** Churn-risk band of the latest health score. */
  healthBand?: (typeof HEALTH_BANDS)[number];
  sort: TenantSort;
  limit: number;
  offset: number;
}

export interface TenantRow {
  id: number;
  uuid: string;
  name: string;
  slug: string;
  tier: TierName;
  isTrial: boolean;
  isActive: boolean;
  mrrCents: number;
  seats: number;
  /** Distinct members whose session was used in the last 30 days (the brief's MAU, from auth_sessions). */
  monthlyActiveUsers: number;
  averageSessionSeconds: number | null;
  apiCalls30d: number;
  healthScore: number | null;
  churnRisk: (typeof HEALTH_BANDS)[number] | null;
  openAlerts: number;
}

const HEALTH_LATERAL = `left join lateral (select score as health_score, churn_risk from tenant_health_scores s
   where s.tenant_id = m.id order by s.scored_on desc limit 1) h on true`;
const USAGE_LATERAL = `left join lateral (select sum(quantity) as calls from tenant_usage_records r
   where r.tenant_id = m.id and r.metric = 'api_calls' and r.period_start >= ?) u on true`;

const ORDER_BY: Record<TenantSort, string> = {
  mrr: 'mrr_cents desc, id desc',
  // Lowest health first: those are the ones to look at; unscored tenants last.
  health: 'h.health_score asc nulls last, id desc',
  usage: 'coalesce(u.calls, 0) desc, id desc',
  name: 'lower(name) asc, id desc',
  newest: 'id desc',
};

/**
 * The operator's tenants table: one page of tenants with revenue, adoption, usage and health, after
 * search, filters and sort. Per-tenant figures come from index range scans of that tenant's rows
 * (lateral joins), so a page costs about the same at 10 tenants as at 10,000.
 */
export async function tenantRows(
  em: EntityManager,
  now: Date,
  query: TenantRowQuery,
): Promise<{ total: number; items: TenantRow[] }> {
  const since = new Date(now.getTime() - ACTIVE_USER_WINDOW_DAYS * DAY_MS);
  const mrr = tenantMrrSql();
  const where: string[] = [];
  const params: unknown[] = [...mrr.params];
  if (query.search) {
    const pattern = `%${query.search.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
    where.push('(m.name ilike ? or m.slug ilike ?)');
    params.push(pattern, pattern);
  }
  if (query.tier) {
    where.push('m.tier = ?');
    params.push(query.tier);
  }
  if (query.trial !== undefined) {
    where.push('m.is_trial = ?');
    params.push(query.trial);
  }
  if (query.active !== undefined) {
    where.push('m.is_active = ?');
    params.push(query.active);
  }
  if (query.healthBand) {
    where.push('h.churn_risk = ?');
    params.push(query.healthBand);
  }
  // Phase 1 picks the page; the per-tenant laterals join only when the filter or sort needs them.
  const needsHealth = query.sort === 'health' || query.healthBand !== undefined;
  const needsUsage = query.sort === 'usage';
  const rows = await em.execute<Record<string, string | number | boolean | null>[]>(
    `with m as (${mrr.sql})
     select m.id, m.tenant_uuid, m.name, m.slug, m.tier, m.is_trial, m.is_active, m.mrr_cents, count(*) over () as total
       from m
       ${needsHealth ? HEALTH_LATERAL : ''}
       ${needsUsage ? USAGE_LATERAL : ''}
      ${where.length ? `where ${where.join(' and ')}` : ''}
      order by ${ORDER_BY[query.sort]} limit ? offset ?`,
    [
      ...params.slice(0, mrr.params.length),
      ...(needsUsage ? [since] : []),
      ...params.slice(mrr.params.length),
      query.limit,
      query.offset,
    ],
  );
  if (rows.length === 0) return { total: 0, items: [] };
  const ids = rows.map((row) => Number(row.id));
  const placeholders = ids.map(() => '?').join(', ');
  const details = await em.execute<Record<string, string | null>[]>(
    `select m.id as tenant_id, h.health_score, h.churn_risk, coalesce(u.calls, 0) as api_calls,
            (select count(*) from tenant_users tu where tu.tenant_id = m.id and tu.is_active) as seats,
            (select count(distinct s.user_id) from auth_sessions s where s.tenant_id = m.id and s.last_used_at >= ?) as mau,
            (select avg(extract(epoch from s.last_used_at - s.created_at)) from auth_sessions s
              where s.tenant_id = m.id and s.last_used_at >= ?) as avg_seconds,
            (select count(*) from tenant_limit_alerts a where a.tenant_id = m.id and a.rearmed_at is null and a.raised_at >= ?) as alerts
       from tenants m ${HEALTH_LATERAL} ${USAGE_LATERAL}
      where m.id in (${placeholders})`,
    [since, since, since, since, ...ids],
  );
  const byTenant = new Map(details.map((row) => [Number(row.tenant_id), row]));
  return {
    total: Number(rows[0]?.total ?? 0),
    items: rows.map((row) => {
      const extra = byTenant.get(Number(row.id));
      return {
        id: Number(row.id),
        uuid: String(row.tenant_uuid),
        name: String(row.name),
        slug: String(row.slug),
        tier: row.tier as TierName,
        isTrial: row.is_trial === true,
        isActive: row.is_active === true,
        mrrCents: Number(row.mrr_cents),
        seats: Number(extra?.seats ?? 0),
        monthlyActiveUsers: Number(extra?.mau ?? 0),
        averageSessionSeconds: extra?.avg_seconds == null ? null : Number(extra.avg_seconds),
        apiCalls30d: Number(extra?.api_calls ?? 0),
        healthScore: extra?.health_score == null ? null : Number(extra.health_score),
        churnRisk: (extra?.churn_risk as TenantRow['churnRisk']) ?? null,
        openAlerts: Number(extra?.alerts ?? 0),
      };
    }),
  };
}
