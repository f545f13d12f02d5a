import { useQuery } from '@tanstack/react-query';
import { createFileRoute } from '@tanstack/react-router';
import { Check, Minus } from 'lucide-react';
import { useState } from 'react';
import { ChangePlanDialog } from '../features/billing/change-plan-dialog.js';
import { QueryView } from '../features/common/query-view.js';
import { tierLabel } from '../features/common/upgrade-prompt.js';
import { trialDaysLeft } from '../features/overview/trial-banner.js';
import { formatLimit, useFormat } from '../lib/format.js';
import { usePermissions } from '../lib/permissions.js';
import { type TierInfo, trpc } from '../lib/trpc.js';
import { Badge, type BadgeTone } from '../ui/badge.js';
import { Button } from '../ui/button.js';
import { Card } from '../ui/card.js';
import { Page } from '../ui/page.js';
import { EmptyState } from '../ui/states.js';
import { DataTable } from '../ui/table.js';

export const Route = createFileRoute('/billing')({
  component: BillingPage,
});

const INVOICE_TONES: Record<string, BadgeTone> = {
  paid: 'success',
  open: 'neutral',
  failed: 'danger',
  overdue: 'danger',
};

function BillingPage() {
  const { can } = usePermissions();
  const tenant = useQuery(trpc.tenants.get.queryOptions());
  const tiers = useQuery(trpc.system.tiers.queryOptions());
  const features = useQuery(trpc.features.list.queryOptions());
  const summary = useQuery({ ...trpc.billing.summary.queryOptions(), enabled: can('billing.read') });
  const format = useFormat();
  const [changingTo, setChangingTo] = useState<TierInfo | null>(null);

  return (
    <Page title="Plan and billing" description="Your plan, its limits and features, and your invoices.">
      <QueryView query={tenant} loadingLabel="Loading your plan…">
        {(current) => (
          <Card title="Current plan" id="current-plan">
            <div className="flex flex-wrap items-center gap-2">
              <p className="text-xl font-semibold">{tierLabel(current.subscriptionTier)}</p>
              {current.isTrial && current.trialEndsAt && (
                <Badge tone="warning">Trial · {trialDaysLeft(current.trialEndsAt)} days left</Badge>
              )}
            </div>
            <dl className="mt-3 grid grid-cols-2 gap-3 text-sm sm:grid-cols-4">
              <div>
                <dt className="text-muted-foreground">Seats</dt>
                <dd className="font-medium">{formatLimit(current.limits.maxUsers, format)}</dd>
              </div>
              <div>
                <dt className="text-muted-foreground">Storage</dt>
                <dd className="font-medium">{format.count(current.limits.storageLimitGb)} GB</dd>
              </div>
              <div>
                <dt className="text-muted-foreground">API calls per hour</dt>
                <dd className="font-medium">{format.count(current.limits.apiRateLimit)}</dd>
              </div>
              {summary.data && (
                <div>
                  <dt className="text-muted-foreground">You pay</dt>
                  <dd className="font-medium">
                    {current.isTrial
                      ? 'Nothing during the trial'
                      : `${format.money(summary.data.monthlyPriceCents)}/month`}
                  </dd>
                </div>
              )}
            </dl>
          </Card>
        )}
      </QueryView>

      <Card title="Compare plans" id="plans" description="What each plan includes; yours is marked.">
        <QueryView query={tiers} loadingLabel="Loading plans…">
          {(catalog) => {
            const currentTier = tenant.data?.subscriptionTier;
            const featureKeys = Object.keys(catalog.featureLabels) as Array<keyof typeof catalog.featureLabels>;
            const action = (tier: TierInfo) =>
              !can('billing.manage') || !tenant.data ? null : tier.monthlyPriceCents === null ? (
                <span className="text-xs text-muted-foreground">Arranged with our team</span>
              ) : tier.name === currentTier && !tenant.data.isTrial ? (
                <span className="text-xs text-muted-foreground">Current plan</span>
              ) : (
                <Button size="sm" onClick={() => setChangingTo(tier)}>
                  {tier.name === currentTier ? `Keep ${tier.label}` : `Switch to ${tier.label}`}
                </Button>
              );
            return (
              <>
                {/* Phones: one card per plan, since three plan columns do not fit 390 px. */}
                <ul aria-label="Plans" className="space-y-3 sm:hidden">
                  {catalog.tiers.map((tier) => (
                    <li key={tier.name} className="rounded-md border border-border p-3">
                      <p className="font-semibold">
                        {tier.label}
                        {tier.name === currentTier && (
                          <span className="ml-1 text-xs font-normal text-muted-foreground">(yours)</span>
                        )}
                      </p>
                      <p className="text-sm">
                        {tier.monthlyPriceCents === null
                          ? 'Custom pricing'
                          : `${format.money(tier.monthlyPriceCents)}/month`}
                      </p>
                      <p className="mt-1 text-xs text-muted-foreground">
                        {formatLimit(tier.limits.maxUsers, format)} users · {format.count(tier.limits.storageLimitGb)}{' '}
                        GB · {format.count(tier.limits.apiCallsPerHour)} API calls/hour
                      </p>
                      <ul aria-label={`Features of ${tier.label}`} className="mt-2 space-y-1 text-sm">
                        {featureKeys.map((feature) => (
                          <li key={feature} className="flex items-center gap-2">
                            {tier.features[feature] ? (
                              <Check role="img" aria-label="Included" className="h-4 w-4 shrink-0 text-success" />
                            ) : (
                              <Minus
                                role="img"
                                aria-label="Not included"
                                className="h-4 w-4 shrink-0 text-muted-foreground"
                              />
                            )}
                            <span className={tier.features[feature] ? '' : 'text-muted-foreground'}>
                              {catalog.featureLabels[feature]}
                            </span>
                          </li>
                        ))}
                      </ul>
                      <div className="mt-3">{action(tier)}</div>
                    </li>
                  ))}
                </ul>
                <div className="-mx-1 hidden overflow-x-auto px-1 sm:block">
                  <table className="w-full min-w-[32rem] border-collapse text-sm">
                    <caption className="sr-only">Price, limits and features of each plan</caption>
                    <thead>
                      <tr className="border-b border-border">
                        <th scope="col" className="px-2 py-2 text-left font-medium text-muted-foreground">
                          Plan
                        </th>
                        {catalog.tiers.map((tier) => (
                          <th key={tier.name} scope="col" className="px-2 py-2 text-left">
                            {tier.label}
                            {tier.name === currentTier && (
                              <span className="ml-1 text-xs text-muted-foreground">(yours)</span>
                            )}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {(
                        [
                          [
                            'Price',
                            (tier: TierInfo) =>
                              tier.monthlyPriceCents === null
                                ? 'Custom pricing'
                                : `${format.money(tier.monthlyPriceCents)}/month`,
                          ],
                          ['Users', (tier: TierInfo) => formatLimit(tier.limits.maxUsers, format)],
                          ['Storage', (tier: TierInfo) => `${format.count(tier.limits.storageLimitGb)} GB`],
                          ['API calls/hour', (tier: TierInfo) => format.count(tier.limits.apiCallsPerHour)],
                        ] as const
                      ).map(([label, value]) => (
                        <tr key={label} className="border-b border-border">
                          <th scope="row" className="px-2 py-2 text-left font-normal text-muted-foreground">
                            {label}
                          </th>
                          {catalog.tiers.map((tier) => (
                            <td key={tier.name} className="px-2 py-2">
                              {value(tier)}
                            </td>
                          ))}
                        </tr>
                      ))}
                      {featureKeys.map((feature) => (
                        <tr key={feature} className="border-b border-border">
                          <th scope="row" className="px-2 py-2 text-left font-normal text-muted-foreground">
                            {catalog.featureLabels[feature]}
                          </th>
                          {catalog.tiers.map((tier) => (
                            <td key={tier.name} className="px-2 py-2">
                              {tier.features[feature] ? (
                                <Check role="img" aria-label="Included" className="h-4 w-4 text-success" />
                              ) : (
                                <Minus role="img" aria-label="Not included" className="h-4 w-4 text-muted-foreground" />
                              )}
                            </td>
                          ))}
                        </tr>
                      ))}
                      {can('billing.manage') && tenant.data && (
                        <tr>
                          <td />
                          {catalog.tiers.map((tier) => (
                            <td key={tier.name} className="px-2 py-3">
                              {action(tier)}
                            </td>
                          ))}
                        </tr>
                      )}
                    </tbody>
                  </table>
                </div>
              </>
            );
          }}
        </QueryView>
      </Card>

      <Card title="Your features" id="features" description="What is on for your organization, and why.">
        <QueryView query={features} loadingLabel="Loading features…">
          {(list) => (
            <DataTable
              caption="Features of your organization"
              rowKey={(row) => row.feature}
              rows={list}
              columns={[
                { header: 'Feature', rowHeader: true, cell: (row) => row.label },
                {
                  header: 'Status',
                  cell: (row) => <Badge tone={row.enabled ? 'success' : 'neutral'}>{row.enabled ? 'On' : 'Off'}</Badge>,
                },
                {
                  header: 'Why',
                  cell: (row) =>
                    row.source === 'override'
                      ? `Set by a platform operator${row.overrideReason ? `: ${row.overrideReason}` : ''}`
                      : row.enabled
                        ? 'Included in your plan'
                        : `Needs the ${tierLabel(row.requiredTier)} plan`,
                },
              ]}
            />
          )}
        </QueryView>
      </Card>

      {can('billing.read') && (
        <Card title="Invoices" id="invoices">
          <QueryView
            query={summary}
            loadingLabel="Loading invoices…"
            isEmpty={(data) => data.invoices.length === 0}
            empty={<EmptyState title="No invoices yet">Invoices are issued at the start of each month.</EmptyState>}
          >
            {(data) => (
              <DataTable
                caption="Invoices"
                rowKey={(row) => row.id}
                rows={data.invoices}
                columns={[
                  { header: 'Period', rowHeader: true, cell: (row) => row.period },
                  { header: 'Amount', cell: (row) => format.money(row.amountCents) },
                  {
                    header: 'Status',
                    cell: (row) => <Badge tone={INVOICE_TONES[row.status] ?? 'neutral'}>{row.status}</Badge>,
                  },
                  { header: 'Due', hideOnPhone: true, cell: (row) => format.date(row.dueAt) },
                ]}
              />
            )}
          </QueryView>
        </Card>
      )}
      {changingTo && <ChangePlanDialog tier={changingTo} onClose={() => setChangingTo(null)} />}
    </Page>
  );
}
