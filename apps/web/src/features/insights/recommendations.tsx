import { useQuery } from '@tanstack/react-query';
import { CalendarClock, Gauge, type LucideIcon, TrendingUp, UserX } from 'lucide-react';
import { useFormat } from '../../lib/format.js';
import { type RouterOutputs, trpc } from '../../lib/trpc.js';
import { Card } from '../../ui/card.js';
import { EmptyState } from '../../ui/states.js';
import { QueryView } from '../common/query-view.js';

type Recommendation = RouterOutputs['analytics']['recommendations'][number];

const ICONS: Record<Recommendation['kind'], LucideIcon> = {
  limit_forecast: CalendarClock,
  unusual_usage: TrendingUp,
  inactive_seats: UserX,
  unused_features: Gauge,
};

/** The trend of API use in a sentence, with its direction and projection. */
export function UsageTrend() {
  const insights = useQuery(trpc.analytics.insights.queryOptions());
  const format = useFormat();
  return (
    <Card title="API usage trend" id="trend">
      <QueryView query={insights} loadingLabel="Reading your usage…">
        {(data) => (
          <>
            <p className="text-sm">{data.summary}</p>
            <dl className="mt-3 grid grid-cols-1 gap-3 text-sm sm:grid-cols-3">
              <div>
                <dt className="text-muted-foreground">Direction</dt>
                <dd className="font-medium capitalize">{data.direction}</dd>
              </div>
              <div>
                <dt className="text-muted-foreground">Average calls per day</dt>
                <dd className="font-medium">{format.count(Math.round(data.averageDailyApiCalls))}</dd>
              </div>
              <div>
                <dt className="text-muted-foreground">Busiest hour in 30 days, projected</dt>
                <dd className="font-medium">
                  {format.percent(data.projectedPeakHourPercentOfLimit)} of the hourly limit
                </dd>
              </div>
            </dl>
          </>
        )}
      </QueryView>
    </Card>
  );
}

/** Explained recommendations drawn from the organization's own data. */
export function Recommendations() {
  const recommendations = useQuery(trpc.analytics.recommendations.queryOptions());
  return (
    <Card title="Recommendations" id="recommendations">
      <QueryView
        query={recommendations}
        loadingLabel="Looking for recommendations…"
        isEmpty={(list) => list.length === 0}
        empty={
          <EmptyState title="Nothing to act on">
            No limit is close at your current trend, usage looks like your own history, every seat is in use and you use
            the features you have.
          </EmptyState>
        }
      >
        {(list) => (
          <ul className="space-y-3" aria-label="Recommendations">
            {list.map((item) => {
              const Icon = ICONS[item.kind];
              return (
                <li key={`${item.kind}:${item.title}`} className="flex gap-3 rounded-md border border-border p-3">
                  <Icon aria-hidden="true" className="mt-0.5 h-5 w-5 shrink-0 text-muted-foreground" />
                  <div className="min-w-0">
                    <p className="font-medium">{item.title}</p>
                    <p className="mt-1 text-sm text-muted-foreground">{item.explanation}</p>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </QueryView>
    </Card>
  );
}
