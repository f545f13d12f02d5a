import { useQuery } from '@tanstack/react-query';
import { useFormat } from '../../lib/format.js';
import { trpc } from '../../lib/trpc.js';
import { Card } from '../../ui/card.js';
import { SeriesChart } from '../../ui/series-chart.js';
import { EmptyState } from '../../ui/states.js';
import { DataTable } from '../../ui/table.js';
import { QueryView } from '../common/query-view.js';
import { tierLabel } from '../common/upgrade-prompt.js';
import { rate } from './labels.js';

function Figure({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="rounded-lg border border-border bg-card p-4 shadow-sm">
      <dt className="text-sm text-muted-foreground">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold">{value}</dd>
      {hint && <dd className="mt-1 text-xs text-muted-foreground">{hint}</dd>}
    </div>
  );
}

/** MRR, ARPU, lifetime value and churn, by tier, with plan changes over time. */
export function RevenueDashboard() {
  const overview = useQuery(trpc.operatorAnalytics.overview.queryOptions());
  const format = useFormat();
  return (
    <QueryView query={overview} loadingLabel="Loading revenue…">
      {(data) => (
        <>
          <dl className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4" aria-label="Revenue figures">
            <Figure label="Monthly recurring revenue" value={format.money(data.totalMrrCents)} />
            <Figure
              label="Paying tenants"
              value={format.count(data.payingTenants)}
              hint={`${format.count(data.tenants.total)} in all, ${format.count(data.tenants.trial)} on trial, ${format.count(data.tenants.suspended)} suspended`}
            />
            <Figure label="Average revenue per tenant" value={format.money(data.arpuCents)} />
            <Figure
              label="Customer lifetime value"
              value={data.lifetimeValueCents === null ? '—' : format.money(data.lifetimeValueCents)}
              hint={`Monthly churn ${rate(data.monthlyChurnRate)}`}
            />
          </dl>
          <div className="grid gap-4 lg:grid-cols-2">
            <Card title="MRR by tier" id="mrr-by-tier">
              <SeriesChart
                label="MRR by tier, in dollars"
                xLabel="Tier"
                kind="bar"
                series={[{ key: 'mrr', label: 'MRR (USD)', color: 'var(--meter-ok)' }]}
                data={data.byTier.map((row) => ({
                  key: row.tier,
                  label: tierLabel(row.tier),
                  tick: tierLabel(row.tier),
                  values: { mrr: row.mrrCents / 100 },
                }))}
              />
            </Card>
            <Card title="Upgrades and downgrades" id="plan-changes">
              {data.planChanges.length === 0 ? (
                <EmptyState title="No plan changes yet" />
              ) : (
                <SeriesChart
                  label="Plan changes by month"
                  xLabel="Month"
                  kind="bar"
                  series={[
                    { key: 'upgrades', label: 'Upgrades', color: 'var(--meter-ok)' },
                    { key: 'downgrades', label: 'Downgrades', color: 'var(--meter-warn)' },
                  ]}
                  data={data.planChanges.map((row) => ({
                    key: row.month,
                    label: row.month,
                    tick: row.month,
                    values: { upgrades: row.upgrades, downgrades: row.downgrades },
                  }))}
                />
              )}
            </Card>
          </div>
          <Card
            title="Churn by tier"
            id="churn"
            description="Tenants lost over the last 30 days against those at its start."
          >
            <DataTable
              caption="Revenue and churn by tier"
              stackOnPhone
              rowKey={(row) => row.tier}
              rows={data.byTier}
              columns={[
                { header: 'Tier', rowHeader: true, cell: (row) => tierLabel(row.tier) },
                { header: 'MRR', phoneLabel: true, cell: (row) => format.money(row.mrrCents) },
                { header: 'Paying', phoneLabel: true, cell: (row) => format.count(row.payingTenants) },
                { header: 'Churned', phoneLabel: true, cell: (row) => format.count(row.churnedTenants) },
                { header: 'Churn rate', phoneLabel: true, cell: (row) => rate(row.churnRate) },
              ]}
            />
          </Card>
          <Card title="Support, last 30 days" id="support-volume">
            <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-5">
              {(
                [
                  ['Opened', format.count(data.support.opened)],
                  ['Still open', format.count(data.support.open)],
                  ['First response', hours(data.support.meanFirstResponseHours)],
                  ['Resolution', hours(data.support.meanResolutionHours)],
                  ['Rating', data.support.meanRating === null ? '—' : `${data.support.meanRating.toFixed(1)} of 5`],
                ] as const
              ).map(([label, value]) => (
                <div key={label}>
                  <dt className="text-muted-foreground">{label}</dt>
                  <dd className="font-medium">{value}</dd>
                </div>
              ))}
            </dl>
          </Card>
        </>
      )}
    </QueryView>
  );
}

function hours(value: number | null): string {
  return value === null ? '—' : `${Math.round(value * 10) / 10} h on average`;
}

/** Per tier and feature: how many tenants have it on, and how many used it in the last 30 days. */
export function AdoptionDashboard() {
  const utilization = useQuery(trpc.operatorAnalytics.featureUtilization.queryOptions());
  return (
    <Card title="Feature adoption by tier" id="adoption" description="Tenants using a feature they have, last 30 days.">
      <QueryView
        query={utilization}
        loadingLabel="Loading adoption…"
        isEmpty={(rows) => rows.length === 0}
        empty={<EmptyState title="No features in use yet" />}
      >
        {(rows) => {
          const tiers = ['basic', 'professional', 'enterprise'] as const;
          const features = [...new Set(rows.map((row) => row.feature))];
          const share = (tier: string, feature: string) => {
            const row = rows.find((candidate) => candidate.tier === tier && candidate.feature === feature);
            return row?.utilization === null || row === undefined ? 0 : Math.round(row.utilization * 100);
          };
          return (
            <>
              <SeriesChart
                label="Feature utilization by tier, percent of tenants with the feature"
                xLabel="Feature"
                kind="bar"
                series={[
                  { key: 'basic', label: 'Basic', color: 'var(--meter-warn)' },
                  { key: 'professional', label: 'Professional', color: 'var(--meter-ok)' },
                  { key: 'enterprise', label: 'Enterprise', color: 'var(--meter-danger)' },
                ]}
                data={features.map((feature) => ({
                  key: feature,
                  label: feature.replace(/_/g, ' '),
                  tick: feature.replace(/_/g, ' '),
                  values: Object.fromEntries(tiers.map((tier) => [tier, share(tier, feature)])),
                }))}
              />
              <DataTable
                caption="Feature utilization by tier"
                stackOnPhone
                rowKey={(row) => `${row.tier}:${row.feature}`}
                rows={rows}
                columns={[
                  { header: 'Feature', rowHeader: true, cell: (row) => row.feature.replace(/_/g, ' ') },
                  { header: 'Tier', phoneLabel: true, cell: (row) => tierLabel(row.tier) },
                  { header: 'With it', phoneLabel: true, cell: (row) => row.enabledTenants },
                  { header: 'Using it', phoneLabel: true, cell: (row) => row.usingTenants },
                  { header: 'Utilization', phoneLabel: true, cell: (row) => rate(row.utilization) },
                ]}
              />
            </>
          );
        }}
      </QueryView>
    </Card>
  );
}
