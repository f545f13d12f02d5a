import type { EntityManager } from '@mikro-orm/postgresql';
import type { HealthComponent } from '../health-score/health-score.js';
import { FEATURES, type Feature, TIER_NAMES, type TierName } from '../tenants/tiers.js';

/**
 * Platform-wide adoption and risk signals over the real tables; each function takes the
 * EntityManager of Database.inPlatformRead. Definitions and thresholds: docs/operator-analytics.md.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
export const UTILIZATION_WINDOW_DAYS = 30;

export interface FeatureUtilization {
  tier: TierName;
  feature: Feature;
  /** Active tenants of the tier with the feature on (tier default or override). */
  enabledTenants: number;
  /** Of those, the ones with an analytics event naming the feature in the last 30 days. */
  usingTenants: number;
  /** using ÷ enabled; null when no tenant has it on. */
  utilization: number | null;
}

export async function featureUtilization(em: EntityManager, now: Date): Promise<FeatureUtilization[]> {
  const since = new Date(now.getTime() - UTILIZATION_WINDOW_DAYS * DAY_MS);
  const rows = await em.execute<{ tier: TierName; feature: Feature; enabled: string; using: string }[]>(
    `with used as (
       select distinct tenant_id, event_data->>'feature' as feature
         from analytics_events where created_at >= ? and created_at <= ? and event_data->>'feature' is not null)
     select t.subscription_tier as tier, f.feature,
            count(*) filter (where (t.features->>f.feature)::boolean) as enabled,
            count(u.tenant_id) filter (where (t.features->>f.feature)::boolean) as using
       from tenants t
       cross join (values ${FEATURES.map(() => '(?::text)').join(', ')}) as f(feature)
       left join used u on u.tenant_id = t.id and u.feature = f.feature
      where t.is_active group by 1, 2`,
    [since, now, ...FEATURES],
  );
  const byKey = new Map(rows.map((row) => [`${row.tier}:${row.feature}`, row]));
  return TIER_NAMES.flatMap((tier) =>
    FEATURES.map((feature) => {
      const row = byKey.get(`${tier}:${feature}`);
      const enabledTenants = Number(row?.enabled ?? 0);
      const usingTenants = Number(row?.using ?? 0);
      return {
        tier,
        feature,
        enabledTenants,
        usingTenants,
        utilization: enabledTenants ? usingTenants / enabledTenants : null,
      };
    }),
  );
}

interface ComponentRecord {
  value: number;
  inputs: Record<string, unknown>;
}

export interface ChurnRisk {
  tenantId: number;
  tenantUuid: string;
  name: string;
  tier: TierName;
  score: number;
  churnRisk: 'medium' | 'high';
  scoredOn: string;
  /** Plain sentences, worst first: why this tenant is at risk. */
  reasons: string[];
}

/** Below these a component becomes a stated reason. */
export const RISK_THRESHOLDS: Record<HealthComponent, number> = {
  engagement: 0.5,
  featureAdoption: 0.3,
  supportSatisfaction: 0.6,
  paymentHealth: 1,
  usageConsistency: 0.3,
};
export const TRIAL_ENDING_DAYS = 7;

function reasonFor(name: HealthComponent, component: ComponentRecord): string {
  const i = component.inputs;
  switch (name) {
    case 'engagement':
      return `${i.activeMembers ?? 0} of ${i.seats ?? 0} seats active in the last 30 days`;
    case 'featureAdoption':
      return `uses ${Array.isArray(i.used) ? i.used.length : 0} of ${i.enabled ?? 0} enabled features`;
    case 'supportSatisfaction':
      return `support score ${Math.round(component.value * 100)}% over ${i.tickets ?? 0} recent tickets`;
    case 'paymentHealth':
      return `${i.failed ?? 0} failed and ${i.overdue ?? 0} overdue of the latest invoices`;
    case 'usageConsistency':
      return 'API usage swings widely from day to day';
  }
}

/** Tenants whose latest health score is medium or high risk, worst first, with the reasons. */
export async function churnRiskList(em: EntityManager, now: Date, limit: number): Promise<ChurnRisk[]> {
  const rows = await em.execute<
    {
      id: number;
      tenant_uuid: string;
      name: string;
      tier: TierName;
      score: string;
      churn_risk: 'medium' | 'high';
      scored_on: string;
      components: Record<HealthComponent, ComponentRecord>;
      trial_ends_at: Date | null;
    }[]
  >(
    `select t.id, t.tenant_uuid, t.name, t.subscription_tier as tier, h.score, h.churn_risk, h.scored_on::text as scored_on,
            h.components, case when t.is_trial then t.trial_ends_at end as trial_ends_at
       from tenants t
       join lateral (select score, churn_risk, scored_on, components from tenant_health_scores s
                      where s.tenant_id = t.id order by s.scored_on desc limit 1) h on true
      where t.is_active and h.churn_risk in ('medium', 'high')
      order by h.score asc, t.id asc limit ?`,
    [limit],
  );
  return rows.map((row) => {
    const components = typeof row.components === 'string' ? JSON.parse(row.components) : row.components;
    const weak = (Object.keys(RISK_THRESHOLDS) as HealthComponent[])
      .filter((name) => components[name] && components[name].value < RISK_THRESHOLDS[name])
      .sort((a, b) => components[a].value - components[b].value);
    const reasons = weak.map((name) => reasonFor(name, components[name]));
    if (row.trial_ends_at) {
      const days = Math.ceil((new Date(row.trial_ends_at).getTime() - now.getTime()) / DAY_MS);
      if (days <= TRIAL_ENDING_DAYS) reasons.unshift(`trial ends in ${Math.max(days, 0)} days`);
    }
    return {
      tenantId: row.id,
      tenantUuid: row.tenant_uuid,
      name: row.name,
      tier: row.tier,
      score: Number(row.score),
      churnRisk: row.churn_risk,
      scoredOn: row.scored_on,
      reasons,
    };
  });
}

export interface BillingAnomaly {
  tenantId: number;
  tenantUuid: string;
  name: string;
  kind: 'invoice' | 'usage';
  /** The departing figure (invoice cents, or average daily API calls of the last 7 days). */
  latest: number;
  /** The tenant's own baseline: mean of its previous invoices, or of the 28 days before. */
  baseline: number;
  explanation: string;
}

/** An invoice this far from the mean of the tenant's previous ones (as a share of it) departs. */
export const INVOICE_DEVIATION = 0.5;
export const INVOICE_HISTORY = 6;
/** Daily API calls of the last 7 days this many times above or below the 28 days before. */
export const USAGE_RATIO = 3;
/** Tenants below this daily baseline are too small for a ratio to mean anything. */
export const USAGE_MIN_DAILY_BASELINE = 100;

export async function billingAnomalies(em: EntityManager, now: Date): Promise<BillingAnomaly[]> {
  const invoices = await em.execute<
    { id: number; tenant_uuid: string; name: string; period: string; latest: number; baseline: string }[]
  >(
    // One pass over the invoices: each tenant's latest one beside the mean and count of the ones
    // before it, from window frames (a join of two scans of the same rows planned badly at scale).
    `select t.id, t.tenant_uuid, t.name, r.period, r.amount_cents as latest, r.baseline
       from (select tenant_id, period, amount_cents,
                    row_number() over (partition by tenant_id order by period desc) as rn,
                    avg(amount_cents) over previous as baseline, count(*) over previous as n
               from tenant_invoices
             window previous as (partition by tenant_id order by period desc rows between 1 following and ? following)) r
       join tenants t on t.id = r.tenant_id
      where r.rn = 1 and r.n >= 2 and abs(r.amount_cents - r.baseline) > ? * r.baseline
      order by t.id`,
    [INVOICE_HISTORY, INVOICE_DEVIATION],
  );
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const recentFrom = new Date(today - 7 * DAY_MS);
  const baselineFrom = new Date(today - 35 * DAY_MS);
  const usage = await em.execute<{ id: number; tenant_uuid: string; name: string; recent: string; baseline: string }[]>(
    `with daily as (
       select tenant_id, sum(quantity) filter (where period_start >= ?) / 7.0 as recent,
              sum(quantity) filter (where period_start < ?) / 28.0 as baseline
         from tenant_usage_records where metric = 'api_calls' and period_start >= ? and period_start < ?
        group by tenant_id)
     select t.id, t.tenant_uuid, t.name, coalesce(d.recent, 0) as recent, d.baseline
       from daily d join tenants t on t.id = d.tenant_id
      where d.baseline >= ? and (coalesce(d.recent, 0) >= ? * d.baseline or coalesce(d.recent, 0) * ? <= d.baseline)
      order by t.id`,
    [recentFrom, recentFrom, baselineFrom, new Date(today), USAGE_MIN_DAILY_BASELINE, USAGE_RATIO, USAGE_RATIO],
  );
  const percent = (latest: number, baseline: number) => Math.round(((latest - baseline) / baseline) * 100);
  return [
    ...invoices.map((row): BillingAnomaly => {
      const baseline = Number(row.baseline);
      const change = percent(row.latest, baseline);
      return {
        tenantId: row.id,
        tenantUuid: row.tenant_uuid,
        name: row.name,
        kind: 'invoice',
        latest: row.latest,
        baseline,
        explanation: `invoice ${row.period} is ${Math.abs(change)}% ${change > 0 ? 'above' : 'below'} the average of its previous invoices`,
      };
    }),
    ...usage.map((row): BillingAnomaly => {
      const latest = Number(row.recent);
      const baseline = Number(row.baseline);
      const change = percent(latest, baseline);
      return {
        tenantId: row.id,
        tenantUuid: row.tenant_uuid,
        name: row.name,
        kind: 'usage',
        latest,
        baseline,
        explanation: `daily API calls of the last 7 days are ${Math.abs(change)}% ${change > 0 ? 'above' : 'below'} the 28 days before`,
      };
    }),
  ];
}

export interface SecuritySignals {
  tenantId: number;
  tenantUuid: string;
  name: string;
  failedSignIns: number;
  /** Account and address pairs with at least 5 failures within one clock hour (the throttle's limit). */
  likelyLockouts: number;
  /** Sign-ins by a member from an address they had not used in the 30 days before. */
  unusualSignInAddresses: number;
}

export const SECURITY_WINDOW_DAYS = 7;
export const LOCKOUT_FAILURES = 5;

/** Tenants with any signal in the last 7 days, most failed sign-ins first. */
export async function securitySignals(em: EntityManager, now: Date, limit: number): Promise<SecuritySignals[]> {
  const since = new Date(now.getTime() - SECURITY_WINDOW_DAYS * DAY_MS);
  const knownFrom = new Date(since.getTime() - 30 * DAY_MS);
  const rows = await em.execute<
    { id: number; tenant_uuid: string; name: string; failed: string; lockouts: string; unusual: string }[]
  >(
    `with failures as (
       select tenant_id, count(*) as failed from tenant_audit_logs
        where action = 'auth.sign_in_failed' and created_at >= ? and created_at <= ? group by tenant_id),
     lockouts as (
       select tenant_id, count(*) as lockouts from (
         select tenant_id from tenant_audit_logs
          where action = 'auth.sign_in_failed' and created_at >= ? and created_at <= ?
          group by tenant_id, coalesce(personal->>'email', details->>'email'), ip_address, date_trunc('hour', created_at)
         having count(*) >= ?) pairs group by tenant_id),
     unusual as (
       select s.tenant_id, count(distinct (s.user_id, s.ip_address)) as unusual
         from tenant_audit_logs s
        where s.action = 'auth.signed_in' and s.created_at >= ? and s.created_at <= ? and s.ip_address is not null
          and exists (select 1 from tenant_audit_logs k where k.tenant_id = s.tenant_id and k.user_id = s.user_id
                        and k.action = 'auth.signed_in' and k.created_at >= ? and k.created_at < ?)
          and not exists (select 1 from tenant_audit_logs k where k.tenant_id = s.tenant_id and k.user_id = s.user_id
                            and k.action = 'auth.signed_in' and k.ip_address = s.ip_address
                            and k.created_at >= ? and k.created_at < ?)
        group by s.tenant_id)
     select t.id, t.tenant_uuid, t.name, coalesce(f.failed, 0) as failed, coalesce(l.lockouts, 0) as lockouts,
            coalesce(u.unusual, 0) as unusual
       from tenants t left join failures f on f.tenant_id = t.id left join lockouts l on l.tenant_id = t.id
       left join unusual u on u.tenant_id = t.id
      where f.failed is not null or u.unusual is not null
      order by coalesce(f.failed, 0) desc, coalesce(u.unusual, 0) desc, t.id limit ?`,
    [since, now, since, now, LOCKOUT_FAILURES, since, now, knownFrom, since, knownFrom, since, limit],
  );
  return rows.map((row) => ({
    tenantId: row.id,
    tenantUuid: row.tenant_uuid,
    name: row.name,
    failedSignIns: Number(row.failed),
    likelyLockouts: Number(row.lockouts),
    unusualSignInAddresses: Number(row.unusual),
  }));
}
