import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useFormat } from '../../lib/format.js';
import { trpc } from '../../lib/trpc.js';
import { Card } from '../../ui/card.js';
import { SeriesChart } from '../../ui/series-chart.js';
import { EmptyState } from '../../ui/states.js';
import { DataTable } from '../../ui/table.js';
import { QueryView } from '../common/query-view.js';
import { rate } from './labels.js';
import { OPERATOR_REFRESH_MS } from './tenants-table.js';

const p95 = (value: number | null) => (value === null ? '—' : `${value} ms`);

/** One tenant's API calls and p95 latency per hour, last 24 hours. */
export function TenantApiPerformance({ tenantId }: { tenantId: string }) {
  const format = useFormat();
  const hours = useQuery({
    ...trpc.operatorAnalytics.tenantApiPerformance.queryOptions({ tenantId, hours: 24 }),
    refetchInterval: OPERATOR_REFRESH_MS,
  });
  return (
    <Card
      title="API performance, last 24 hours"
      id="api-performance"
      description="Calls, failures (5xx) and the 95th-percentile latency per hour, copied from the api every minute."
    >
      <QueryView
        query={hours}
        loadingLabel="Loading API performance…"
        isEmpty={(rows) => rows.length === 0}
        empty={<EmptyState title="No API calls in the last 24 hours" />}
      >
        {(rows) => (
          <div className="grid gap-4 lg:grid-cols-2">
            <SeriesChart
              label="API calls per hour"
              xLabel="Hour"
              kind="bar"
              series={[{ key: 'calls', label: 'Calls', color: 'var(--meter-ok)' }]}
              data={rows.map((row) => ({
                key: row.hour,
                label: format.dateTime(row.hour),
                tick: format.time(row.hour),
                values: { calls: row.calls },
              }))}
            />
            <SeriesChart
              label="95th-percentile latency per hour, in milliseconds"
              xLabel="Hour"
              kind="line"
              series={[{ key: 'p95', label: 'p95 (ms)', color: 'var(--meter-warn)' }]}
              data={rows.map((row) => ({
                key: row.hour,
                label: `${format.dateTime(row.hour)}, ${rate(row.errorRate)} failed`,
                tick: format.time(row.hour),
                values: { p95: row.p95Ms ?? 0 },
              }))}
            />
          </div>
        )}
      </QueryView>
    </Card>
  );
}

/** The busiest tenants of the last 24 hours with their failure rate and p95 latency. */
export function ApiPerformanceTable() {
  const format = useFormat();
  const rows = useQuery({
    ...trpc.operatorAnalytics.apiPerformance.queryOptions({ hours: 24, limit: 25 }),
    refetchInterval: OPERATOR_REFRESH_MS,
  });
  return (
    <Card title="API performance, last 24 hours" id="api-performance">
      <QueryView
        query={rows}
        loadingLabel="Loading API performance…"
        isEmpty={(list) => list.length === 0}
        empty={<EmptyState title="No API calls in the last 24 hours" />}
      >
        {(list) => (
          <DataTable
            caption="API performance per tenant"
            stackOnPhone
            rowKey={(row) => row.tenantUuid}
            rows={list}
            columns={[
              {
                header: 'Tenant',
                rowHeader: true,
                cell: (row) => (
                  <Link to="/operator/tenants/$tenantId" params={{ tenantId: row.tenantUuid }} className="font-medium">
                    {row.name}
                  </Link>
                ),
              },
              { header: 'Calls', phoneLabel: true, cell: (row) => format.count(row.calls) },
              { header: 'Failed (5xx)', phoneLabel: true, cell: (row) => rate(row.errorRate) },
              { header: 'Refused (4xx)', hideOnPhone: true, cell: (row) => rate(row.refusalRate) },
              { header: 'p95', phoneLabel: true, cell: (row) => p95(row.p95Ms) },
            ]}
          />
        )}
      </QueryView>
    </Card>
  );
}
