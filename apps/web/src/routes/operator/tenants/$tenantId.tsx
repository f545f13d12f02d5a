import { useQuery } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { useState } from 'react';
import { QueryView } from '../../../features/common/query-view.js';
import { tierLabel } from '../../../features/common/upgrade-prompt.js';
import { DeletionSchedule } from '../../../features/offboarding/deletion-schedule.js';
import { TenantApiPerformance } from '../../../features/operator/api-performance.js';
import { ContractPricing } from '../../../features/operator/contract-pricing.js';
import { FeatureOverrides } from '../../../features/operator/feature-overrides.js';
import { StandingDialog } from '../../../features/operator/standing-dialog.js';
import { TenantActivity } from '../../../features/operator/tenant-activity.js';
import { OPERATOR_REFRESH_MS } from '../../../features/operator/tenants-table.js';
import { formatLimit, useFormat } from '../../../lib/format.js';
import { type Tenant, trpc } from '../../../lib/trpc.js';
import { Badge, type BadgeTone } from '../../../ui/badge.js';
import { Button } from '../../../ui/button.js';
import { Card } from '../../../ui/card.js';
import { Page } from '../../../ui/page.js';
import { EmptyState } from '../../../ui/states.js';
import { DataTable } from '../../../ui/table.js';

export const Route = createFileRoute('/operator/tenants/$tenantId')({
  component: TenantDetailPage,
});

const INVOICE_TONES: Record<string, BadgeTone> = {
  paid: 'success',
  open: 'neutral',
  failed: 'danger',
  overdue: 'danger',
};

/** One tenant as an operator sees it; each read is an audited operator access to that tenant. */
function TenantDetailPage() {
  const { tenantId } = Route.useParams();
  const tenant = useQuery(trpc.tenants.get.queryOptions({ tenantId }));
  const [changingStanding, setChangingStanding] = useState(false);
  return (
    <Page
      title={tenant.data?.name ?? 'Tenant'}
      description={
        <Link to="/operator/tenants" className="text-sm">
          All tenants
        </Link>
      }
      actions={
        tenant.data && (
          <Button variant={tenant.data.isActive ? 'danger' : 'primary'} onClick={() => setChangingStanding(true)}>
            {tenant.data.isActive ? 'Suspend' : 'Reactivate'}
          </Button>
        )
      }
    >
      <QueryView query={tenant} loadingLabel="Loading the tenant…" errorTitle="Could not load this tenant">
        {(current) => (
          <>
            <Card title="Standing" id="standing">
              <div className="flex flex-wrap items-center gap-2">
                <Badge tone={current.isActive ? 'success' : 'danger'}>
                  {current.isActive ? 'Active' : 'Suspended'}
                </Badge>
                <Badge>{tierLabel(current.subscriptionTier)}</Badge>
                {current.isTrial && <Badge tone="warning">Trial</Badge>}
              </div>
              {!current.isActive && current.suspensionReason && (
                <p className="mt-2 text-sm">Suspended: {current.suspensionReason}</p>
              )}
              <p className="mt-2 text-sm text-muted-foreground">
                {current.slug} · admin {current.adminName} ({current.adminEmail})
              </p>
            </Card>
            <div className="grid gap-4 lg:grid-cols-2">
              <TenantUsage tenantId={tenantId} />
              <Invoices tenantId={tenantId} />
            </div>
            <TenantActivity tenantId={tenantId} />
            <TenantApiPerformance tenantId={tenantId} />
            <Members tenantId={tenantId} />
            <FeatureOverrides tenantId={tenantId} />
            <ContractFromBilling tenantId={tenantId} tenant={current} />
            <DeletionSchedule tenantId={current.id} name={current.name} canManage />
            {changingStanding && <StandingDialog tenant={current} onClose={() => setChangingStanding(false)} />}
          </>
        )}
      </QueryView>
    </Page>
  );
}

function TenantUsage({ tenantId }: { tenantId: string }) {
  const format = useFormat();
  const usage = useQuery({ ...trpc.usage.get.queryOptions({ tenantId }), refetchInterval: OPERATOR_REFRESH_MS });
  return (
    <Card title="Usage" id="usage">
      <QueryView query={usage} loadingLabel="Loading usage…">
        {(data) => (
          <dl className="grid grid-cols-1 gap-3 text-sm sm:grid-cols-3">
            <div>
              <dt className="text-muted-foreground">Seats</dt>
              <dd className="font-medium">
                {format.count(data.users.current)} of {formatLimit(data.users.limit, format)}
              </dd>
            </div>
            <div>
              <dt className="text-muted-foreground">Storage</dt>
              <dd className="font-medium">
                {data.storage.usedGb} of {format.count(data.storage.limitGb)} GB ({format.percent(data.storage.percent)}
                )
              </dd>
            </div>
            <div>
              <dt className="text-muted-foreground">API calls this hour</dt>
              <dd className="font-medium">
                {format.count(data.apiCalls.thisHour)} of {format.count(data.apiCalls.limit)} (
                {format.percent(data.apiCalls.percent)})
              </dd>
            </div>
          </dl>
        )}
      </QueryView>
    </Card>
  );
}

function Invoices({ tenantId }: { tenantId: string }) {
  const format = useFormat();
  const summary = useQuery(trpc.billing.summary.queryOptions({ tenantId }));
  return (
    <Card title="Invoices" id="invoices">
      <QueryView
        query={summary}
        loadingLabel="Loading invoices…"
        isEmpty={(data) => data.invoices.length === 0}
        empty={<EmptyState title="No invoices yet" />}
      >
        {(data) => (
          <DataTable
            caption="Invoices"
            stackOnPhone
            rowKey={(row) => row.id}
            rows={data.invoices}
            columns={[
              { header: 'Month', rowHeader: true, cell: (row) => row.period },
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
  );
}

function Members({ tenantId }: { tenantId: string }) {
  const format = useFormat();
  const members = useQuery(trpc.members.list.queryOptions({ tenantId, limit: 100 }));
  return (
    <Card title="Members" id="members">
      <QueryView
        query={members}
        loadingLabel="Loading members…"
        isEmpty={(data) => data.items.length === 0}
        empty={<EmptyState title="No members" />}
      >
        {(data) => (
          <DataTable
            caption="Members of this tenant"
            stackOnPhone
            rowKey={(row) => row.id}
            rows={data.items}
            columns={[
              {
                header: 'Name',
                rowHeader: true,
                cell: (row) => (
                  <span>
                    <span className="font-medium">{row.fullName}</span>
                    <span className="block text-xs text-muted-foreground">{row.email}</span>
                  </span>
                ),
              },
              { header: 'Role', cell: (row) => <span className="capitalize">{row.role}</span> },
              {
                header: 'Status',
                cell: (row) => (
                  <Badge tone={row.isActive ? 'success' : 'neutral'}>{row.isActive ? 'Active' : 'Deactivated'}</Badge>
                ),
              },
              {
                header: 'Last active',
                hideOnPhone: true,
                cell: (row) => (row.lastActiveAt ? format.dateTime(row.lastActiveAt) : 'Never'),
              },
            ]}
          />
        )}
      </QueryView>
    </Card>
  );
}

/** The contract form starts from the tenant's current price, so it waits for the billing summary. */
function ContractFromBilling({ tenantId, tenant }: { tenantId: string; tenant: Tenant }) {
  const summary = useQuery(trpc.billing.summary.queryOptions({ tenantId }));
  if (summary.isPending) return null;
  return <ContractPricing tenant={tenant} monthlyPriceCents={summary.data?.monthlyPriceCents ?? null} />;
}
