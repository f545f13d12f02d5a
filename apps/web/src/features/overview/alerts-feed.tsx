import { useQuery } from '@tanstack/react-query';
import { type Formatter, useFormat } from '../../lib/format.js';
import { type RouterOutputs, trpc } from '../../lib/trpc.js';
import { Badge } from '../../ui/badge.js';
import { Card } from '../../ui/card.js';
import { EmptyState } from '../../ui/states.js';
import { QueryView } from '../common/query-view.js';

type Alert = RouterOutputs['usage']['alerts'][number];

const LIMIT_NAMES: Record<Alert['limit'], string> = {
  seats: 'Seats',
  storage: 'Storage',
  api_calls: 'API calls this hour',
};

function describe(alert: Alert, format: Formatter): string {
  if (alert.limit === 'storage') {
    const gb = (bytes: number) => `${format.count(Math.round((bytes / 1024 ** 3) * 100) / 100)} GB`;
    return `${gb(alert.used)} of ${gb(alert.max)} used`;
  }
  return `${format.count(alert.used)} of ${format.count(alert.max)} used`;
}

/** Usage alerts at 80 % and 95 %; a new one appears as soon as the worker raises it. */
export function AlertsFeed() {
  const alerts = useQuery(trpc.usage.alerts.queryOptions({ limit: 10 }));
  const format = useFormat();
  return (
    <Card title="Alerts" id="alerts">
      <QueryView
        query={alerts}
        loadingLabel="Loading alerts…"
        isEmpty={(data) => data.length === 0}
        empty={
          <EmptyState title="No alerts">You hear from us here (and by email) at 80 % and 95 % of a limit.</EmptyState>
        }
      >
        {(data) => (
          <ul className="divide-y divide-border" aria-live="polite">
            {data.map((alert) => (
              <li
                key={`${alert.limit}:${alert.thresholdPercent}:${alert.periodStart}`}
                className="flex items-start gap-3 py-2"
              >
                <Badge tone={alert.thresholdPercent >= 95 ? 'danger' : 'warning'}>{alert.thresholdPercent}%</Badge>
                <div className="min-w-0 text-sm">
                  <p className="font-medium">{LIMIT_NAMES[alert.limit]}</p>
                  <p className="text-muted-foreground">
                    {describe(alert, format)} · {format.dateTime(alert.raisedAt)}
                  </p>
                </div>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
    </Card>
  );
}
