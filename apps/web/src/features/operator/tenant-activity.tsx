import { useQuery } from '@tanstack/react-query';
import { useFormat } from '../../lib/format.js';
import { trpc } from '../../lib/trpc.js';
import { Card } from '../../ui/card.js';
import { SeriesChart } from '../../ui/series-chart.js';
import { EmptyState } from '../../ui/states.js';
import { DataTable } from '../../ui/table.js';
import { QueryView } from '../common/query-view.js';

/** The tenant's daily health score for the last 90 days, and every operator entry into it. */
export function TenantActivity({ tenantId }: { tenantId: string }) {
  const format = useFormat();
  // One audited look per open page, not one per refresh: the list would fill with the page itself.
  const activity = useQuery({ ...trpc.operatorAnalytics.tenantActivity.queryOptions({ tenantId }), staleTime: 60_000 });
  return (
    <>
      <Card title="Health, last 90 days" id="health">
        <QueryView
          query={activity}
          loadingLabel="Loading health history…"
          isEmpty={(data) => data.healthHistory.length === 0}
          empty={
            <EmptyState title="Not scored yet">
              The worker scores every tenant each day; the first score shows here.
            </EmptyState>
          }
        >
          {(data) => (
            <SeriesChart
              label="Health score by day"
              xLabel="Day"
              kind="line"
              yDomain={[0, 100]}
              series={[{ key: 'score', label: 'Health score', color: 'var(--meter-ok)' }]}
              data={data.healthHistory.map((point) => ({
                key: point.scoredOn,
                label: `${format.date(`${point.scoredOn}T12:00:00Z`)} (${point.churnRisk} risk)`,
                tick: format.date(`${point.scoredOn}T12:00:00Z`),
                values: { score: point.score },
              }))}
            />
          )}
        </QueryView>
      </Card>
      <Card
        title="Operator access"
        id="operator-access"
        description="Every time a platform operator entered this tenant, from its audit log."
      >
        <QueryView query={activity} loadingLabel="Loading operator access…">
          {(data) => (
            <DataTable
              caption="Operator access to this tenant"
              stackOnPhone
              rowKey={(row) => row.id}
              rows={data.operatorAccesses}
              columns={[
                { header: 'When', rowHeader: true, cell: (row) => format.dateTime(row.accessedAt) },
                { header: 'Operator', cell: (row) => row.operatorEmail ?? 'Deleted account' },
                { header: 'Reason', className: 'max-sm:basis-full', cell: (row) => row.reason },
                { header: 'Address', hideOnPhone: true, cell: (row) => row.ipAddress ?? '—' },
              ]}
            />
          )}
        </QueryView>
      </Card>
    </>
  );
}
