import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useFormat } from '../../lib/format.js';
import { trpc } from '../../lib/trpc.js';
import { Badge } from '../../ui/badge.js';
import { Card } from '../../ui/card.js';
import { EmptyState } from '../../ui/states.js';
import { DataTable } from '../../ui/table.js';
import { QueryView } from '../common/query-view.js';
import { tierLabel } from '../common/upgrade-prompt.js';
import { RISK_LABELS, RISK_TONES } from './labels.js';

function TenantLink({ uuid, name }: { uuid: string; name: string }) {
  return (
    <Link to="/operator/tenants/$tenantId" params={{ tenantId: uuid }} className="font-medium">
      {name}
    </Link>
  );
}

/** Tenants at medium or high churn risk, with what their score is made of. */
export function ChurnRisk() {
  const risks = useQuery(trpc.operatorAnalytics.churnRisk.queryOptions({ limit: 50 }));
  return (
    <Card title="Churn risk" id="churn-risk" description="From each tenant's latest health score.">
      <QueryView
        query={risks}
        loadingLabel="Loading churn risk…"
        isEmpty={(rows) => rows.length === 0}
        empty={<EmptyState title="No tenant at risk" />}
      >
        {(rows) => (
          <DataTable
            caption="Tenants at risk of churning"
            stackOnPhone
            rowKey={(row) => row.tenantUuid}
            rows={rows}
            columns={[
              {
                header: 'Tenant',
                rowHeader: true,
                cell: (row) => <TenantLink uuid={row.tenantUuid} name={row.name} />,
              },
              { header: 'Tier', hideOnPhone: true, cell: (row) => tierLabel(row.tier) },
              {
                header: 'Score',
                cell: (row) => (
                  <span className="inline-flex flex-wrap items-center gap-1">
                    {Math.round(row.score)} <Badge tone={RISK_TONES[row.churnRisk]}>{RISK_LABELS[row.churnRisk]}</Badge>
                  </span>
                ),
              },
              {
                header: 'Why',
                className: 'max-sm:basis-full',
                cell: (row) => (
                  <ul className="list-disc pl-4">
                    {row.reasons.map((reason) => (
                      <li key={reason}>{reason}</li>
                    ))}
                  </ul>
                ),
              },
            ]}
          />
        )}
      </QueryView>
    </Card>
  );
}

/** Invoices or usage that depart from the tenant's own history. */
export function BillingAnomalies() {
  const anomalies = useQuery(trpc.operatorAnalytics.billingAnomalies.queryOptions());
  return (
    <Card title="Billing anomalies" id="billing-anomalies">
      <QueryView
        query={anomalies}
        loadingLabel="Loading anomalies…"
        isEmpty={(rows) => rows.length === 0}
        empty={
          <EmptyState title="Nothing unusual">Every invoice and usage figure is in line with its history.</EmptyState>
        }
      >
        {(rows) => (
          <DataTable
            caption="Billing anomalies"
            stackOnPhone
            rowKey={(row) => `${row.tenantUuid}:${row.kind}`}
            rows={rows}
            columns={[
              {
                header: 'Tenant',
                rowHeader: true,
                cell: (row) => <TenantLink uuid={row.tenantUuid} name={row.name} />,
              },
              { header: 'Kind', cell: (row) => (row.kind === 'invoice' ? 'Invoice' : 'Usage') },
              { header: 'What', className: 'max-sm:basis-full', cell: (row) => row.explanation },
            ]}
          />
        )}
      </QueryView>
    </Card>
  );
}

/** Failed sign-ins, likely lock-outs and sign-ins from new addresses, last 7 days. */
export function SecuritySignals() {
  const signals = useQuery(trpc.operatorAnalytics.securitySignals.queryOptions({ limit: 50 }));
  const format = useFormat();
  return (
    <Card title="Security signals, last 7 days" id="security-signals">
      <QueryView
        query={signals}
        loadingLabel="Loading security signals…"
        isEmpty={(rows) => rows.length === 0}
        empty={<EmptyState title="No failed or unusual sign-ins" />}
      >
        {(rows) => (
          <DataTable
            caption="Security signals per tenant"
            stackOnPhone
            rowKey={(row) => row.tenantUuid}
            rows={rows}
            columns={[
              {
                header: 'Tenant',
                rowHeader: true,
                cell: (row) => <TenantLink uuid={row.tenantUuid} name={row.name} />,
              },
              { header: 'Failed sign-ins', phoneLabel: true, cell: (row) => format.count(row.failedSignIns) },
              { header: 'Likely lock-outs', phoneLabel: true, cell: (row) => format.count(row.likelyLockouts) },
              { header: 'New addresses', phoneLabel: true, cell: (row) => format.count(row.unusualSignInAddresses) },
            ]}
          />
        )}
      </QueryView>
    </Card>
  );
}
