import {
  Bar,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  BarChart as RechartsBarChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

export interface Series {
  key: string;
  label: string;
  /** A CSS colour, e.g. `var(--meter-ok)`. */
  color: string;
}

export interface SeriesChartProps {
  label: string;
  xLabel: string;
  kind: 'bar' | 'line';
  series: Series[];
  /** One row per x value: `label` for the table and tooltip, `tick` for the axis, then a number per series key. */
  data: Array<{ key: string; label: string; tick: string; values: Record<string, number> }>;
  /** Fixed y range, e.g. [0, 100] for scores. */
  yDomain?: [number, number];
  /** Ticks between whole numbers (amounts such as gigabytes), not only counts. */
  decimals?: boolean;
}

export default function SeriesChartImpl(props: SeriesChartProps) {
  const { data, series, kind, yDomain } = props;
  const rows = data.map((point) => ({ tick: point.tick, label: point.label, ...point.values }));
  const axes = (
    <>
      <CartesianGrid stroke="var(--border)" vertical={false} />
      <XAxis
        dataKey="tick"
        tick={{ fill: 'var(--muted-foreground)', fontSize: 11 }}
        interval="preserveStartEnd"
        minTickGap={16}
      />
      <YAxis
        domain={yDomain}
        allowDecimals={props.decimals === true}
        tick={{ fill: 'var(--muted-foreground)', fontSize: 11 }}
      />
      <Tooltip
        cursor={{ fill: 'var(--muted)' }}
        contentStyle={{ background: 'var(--card)', border: '1px solid var(--border)', color: 'var(--foreground)' }}
        labelFormatter={(_, payload) => payload?.[0]?.payload?.label ?? ''}
      />
      {series.length > 1 && <Legend wrapperStyle={{ fontSize: 12, color: 'var(--foreground)' }} />}
    </>
  );
  return (
    <ResponsiveContainer width="100%" height="100%">
      {kind === 'line' ? (
        <LineChart accessibilityLayer={false} data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          {axes}
          {series.map((line) => (
            <Line
              key={line.key}
              dataKey={line.key}
              name={line.label}
              stroke={line.color}
              strokeWidth={2}
              dot={rows.length <= 14}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      ) : (
        <RechartsBarChart accessibilityLayer={false} data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          {axes}
          {series.map((bar) => (
            <Bar
              key={bar.key}
              dataKey={bar.key}
              name={bar.label}
              fill={bar.color}
              radius={[2, 2, 0, 0]}
              isAnimationActive={false}
            />
          ))}
        </RechartsBarChart>
      )}
    </ResponsiveContainer>
  );
}
