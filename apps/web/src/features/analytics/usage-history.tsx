import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useFormat } from '../../lib/format.js';
import { trpc } from '../../lib/trpc.js';
import { Card } from '../../ui/card.js';
import { SelectField } from '../../ui/field.js';
import { SeriesChart } from '../../ui/series-chart.js';
import { EmptyState } from '../../ui/states.js';
import { QueryView } from '../common/query-view.js';

const GB = 1024 ** 3;
const RANGES = [
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
  { value: '180', label: 'Last 180 days' },
  { value: '365', label: 'Last 365 days' },
];

/** Daily API calls, peak seats and storage over a chosen range (advanced analytics). */
export function UsageHistory() {
  const [days, setDays] = useState('30');
  const history = useQuery({
    ...trpc.analytics.usageHistory.queryOptions({ days: Number(days) }),
    placeholderData: keepPreviousData,
  });
  const format = useFormat();
  const day = (value: string) => format.date(`${value}T12:00:00Z`);
  return (
    <>
      <SelectField label="Period" className="max-w-xs" value={days} onValueChange={setDays} options={RANGES} />
      <QueryView
        query={history}
        loadingLabel="Loading usage history…"
        isEmpty={(rows) => rows.every((row) => row.apiCalls === 0 && row.peakSeats === 0 && row.storageBytes === 0)}
        empty={
          <EmptyState title="No usage recorded yet">
            The worker records API calls, seats and storage every hour; the charts fill in from there.
          </EmptyState>
        }
      >
        {(rows) => {
          const points = rows.map((row) => ({ key: row.day, label: day(row.day), tick: day(row.day) }));
          return (
            <>
              <Card title="API calls per day" id="api-calls">
                <SeriesChart
                  label="API calls per day"
                  xLabel="Day"
                  kind="bar"
                  series={[{ key: 'apiCalls', label: 'API calls', color: 'var(--meter-ok)' }]}
                  data={points.map((point, index) => ({ ...point, values: { apiCalls: rows[index]?.apiCalls ?? 0 } }))}
                />
              </Card>
              <div className="grid gap-4 lg:grid-cols-2">
                <Card title="Seats in use" id="seats">
                  <SeriesChart
                    label="Peak seats per day"
                    xLabel="Day"
                    kind="line"
                    series={[{ key: 'seats', label: 'Peak seats', color: 'var(--meter-ok)' }]}
                    data={points.map((point, index) => ({ ...point, values: { seats: rows[index]?.peakSeats ?? 0 } }))}
                  />
                </Card>
                <Card title="Storage" id="storage">
                  <SeriesChart
                    label="Storage used per day, in GB"
                    xLabel="Day"
                    kind="line"
                    decimals
                    series={[{ key: 'storage', label: 'Storage (GB)', color: 'var(--meter-warn)' }]}
                    data={points.map((point, index) => ({
                      ...point,
                      values: { storage: Math.round(((rows[index]?.storageBytes ?? 0) / GB) * 100) / 100 },
                    }))}
                  />
                </Card>
              </div>
            </>
          );
        }}
      </QueryView>
    </>
  );
}
