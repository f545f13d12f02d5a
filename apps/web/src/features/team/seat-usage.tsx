import { useQuery } from '@tanstack/react-query';
import { formatLimit, useFormat } from '../../lib/format.js';
import { trpc } from '../../lib/trpc.js';
import { Gauge } from '../../ui/gauge.js';

/** Active members against the plan's seat limit; it moves live as members join or leave. */
export function SeatUsage() {
  const usage = useQuery(trpc.usage.get.queryOptions());
  const format = useFormat();
  if (!usage.data) return null;
  const seats = usage.data.users;
  return (
    <div className="max-w-sm">
      <Gauge
        label="Seats used"
        value={seats.current}
        limit={seats.limit}
        percent={seats.percent}
        valueText={format.count(seats.current)}
        limitText={formatLimit(seats.limit, format)}
      />
    </div>
  );
}
