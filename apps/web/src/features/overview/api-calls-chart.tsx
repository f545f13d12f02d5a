import { useQuery } from '@tanstack/react-query';
import { useFormat } from '../../lib/format.js';
import { trpc } from '../../lib/trpc.js';
import { Card } from '../../ui/card.js';
import { BarChart } from '../../ui/chart.js';
import { EmptyState } from '../../ui/states.js';
import { QueryView } from '../common/query-view.js';

/** API calls per hour over the last 7 days, in the tenant's time zone. */
export function ApiCallsChart() {
  const hours = useQuery({ ...trpc.usage.apiCallsByHour.queryOptions({ hours: 168 }), staleTime: 5 * 60_000 });
  const format = useFormat();
  return (
    <Card title="API calls per hour, last 7 days" id="api-calls-chart">
      <QueryView
        query={hours}
        loadingLabel="Loading API calls…"
        isEmpty={(data) => data.every((point) => point.apiCalls === 0)}
        empty={
          <EmptyState title="No API calls in the last 7 days">
            Calls made with your API keys or from this console show up here by the hour.
          </EmptyState>
        }
      >
        {(data) => (
          <BarChart
            label="API calls per hour, last 7 days"
            xLabel="Hour"
            yLabel="API calls"
            data={data.map((point) => ({
              key: point.hour,
              label: format.dateTime(point.hour),
              tick: format.date(point.hour),
              value: point.apiCalls,
            }))}
          />
        )}
      </QueryView>
    </Card>
  );
}
