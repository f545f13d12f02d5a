import { Bar, CartesianGrid, BarChart as RechartsBarChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface BarSeriesChartProps {
  label: string;
  xLabel: string;
  yLabel: string;
  data: Array<{ key: string; label: string; tick: string; value: number }>;
}

export default function BarSeriesChart({ data, yLabel }: BarSeriesChartProps) {
  return (
    <ResponsiveContainer width="100%" height="100%">
      <RechartsBarChart accessibilityLayer={false} data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
        <CartesianGrid stroke="var(--border)" vertical={false} />
        <XAxis
          dataKey="tick"
          tick={{ fill: 'var(--muted-foreground)', fontSize: 11 }}
          interval="preserveStartEnd"
          minTickGap={16}
        />
        <YAxis allowDecimals={false} tick={{ fill: 'var(--muted-foreground)', fontSize: 11 }} />
        <Tooltip
          cursor={{ fill: 'var(--muted)' }}
          contentStyle={{ background: 'var(--card)', border: '1px solid var(--border)', color: 'var(--foreground)' }}
          labelFormatter={(_, payload) => payload?.[0]?.payload?.label ?? ''}
          formatter={(value) => [value, yLabel]}
        />
        <Bar dataKey="value" fill="var(--meter-ok)" radius={[2, 2, 0, 0]} isAnimationActive={false} />
      </RechartsBarChart>
    </ResponsiveContainer>
  );
}
