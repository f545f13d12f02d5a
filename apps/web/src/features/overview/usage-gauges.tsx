import { useQuery } from '@tanstack/react-query';
import { formatLimit, useFormat } from '../../lib/format.js';
import { trpc } from '../../lib/trpc.js';
import { Gauge } from '../../ui/gauge.js';
import { QueryView } from '../common/query-view.js';

/** Seats, storage and this hour's API calls against the plan's limits; live through the event stream. */
export function UsageGauges() {
  const usage = useQuery(trpc.usage.get.queryOptions());
  const format = useFormat();
  return (
    <section aria-labelledby="usage-heading" className="space-y-3">
      <h2 id="usage-heading" className="text-base font-semibold">
        Usage against your plan
      </h2>
      <QueryView query={usage} loadingLabel="Loading usage…" errorTitle="Could not load usage">
        {(data) => (
          <div className="grid gap-3 sm:grid-cols-3">
            <Gauge
              label="Seats"
              value={data.users.current}
              limit={data.users.limit}
              percent={data.users.percent}
              valueText={format.count(data.users.current)}
              limitText={formatLimit(data.users.limit, format)}
            />
            <Gauge
              label="Storage"
              value={data.storage.usedGb}
              limit={data.storage.limitGb}
              percent={data.storage.percent}
              valueText={`${format.count(data.storage.usedGb)} GB`}
              limitText={`${format.count(data.storage.limitGb)} GB`}
            />
            <Gauge
              label="API calls this hour"
              value={data.apiCalls.thisHour}
              limit={data.apiCalls.limit}
              percent={data.apiCalls.percent}
              valueText={format.count(data.apiCalls.thisHour)}
              limitText={format.count(data.apiCalls.limit)}
            />
          </div>
        )}
      </QueryView>
    </section>
  );
}
