import { lazy, Suspense } from 'react';
import type { BarSeriesChartProps } from './chart-bars.js';
import { Loading } from './states.js';

// Recharts is the largest library here: only pages with a chart load it.
const loadBarChart = () => import('./chart-bars.js');
const BarSeriesChart = lazy(loadBarChart);

/** Starts fetching the chart code early (a page with a chart calls it as it opens). */
export function preloadBarChart(): Promise<unknown> {
  return loadBarChart();
}

export type { BarSeriesChartProps } from './chart-bars.js';

/**
 * A bar chart of one series. Screen readers get the same numbers as a table (the chart itself is
 * hidden from them), so nothing is only visible.
 */
export function BarChart(props: BarSeriesChartProps) {
  return (
    <figure aria-label={props.label} className="min-w-0">
      <div aria-hidden="true" className="h-56 w-full">
        <Suspense fallback={<Loading label="Loading chart…" />}>
          <BarSeriesChart {...props} />
        </Suspense>
      </div>
      {/* A table ignores height limits, so the box around it is what stays out of sight. */}
      <div className="sr-only">
        <table>
          <caption>{props.label}</caption>
          <thead>
            <tr>
              <th scope="col">{props.xLabel}</th>
              <th scope="col">{props.yLabel}</th>
            </tr>
          </thead>
          <tbody>
            {props.data.map((point) => (
              <tr key={point.key}>
                <th scope="row">{point.label}</th>
                <td>{point.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
