import { lazy, Suspense } from 'react';
import type { SeriesChartProps } from './series-chart-impl.js';
import { Loading } from './states.js';

// Recharts loads only on pages that draw a chart.
const SeriesChartImpl = lazy(() => import('./series-chart-impl.js'));

export type { Series, SeriesChartProps } from './series-chart-impl.js';

/**
 * A bar or line chart of one or more series. Screen readers get the same numbers as a table (the
 * drawing is hidden from them), so nothing is only visible.
 */
export function SeriesChart(props: SeriesChartProps) {
  return (
    <figure aria-label={props.label} className="min-w-0">
      <div aria-hidden="true" className="h-56 w-full">
        <Suspense fallback={<Loading label="Loading chart…" />}>
          <SeriesChartImpl {...props} />
        </Suspense>
      </div>
      <div className="sr-only">
        <table>
          <caption>{props.label}</caption>
          <thead>
            <tr>
              <th scope="col">{props.xLabel}</th>
              {props.series.map((series) => (
                <th key={series.key} scope="col">
                  {series.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.data.map((point) => (
              <tr key={point.key}>
                <th scope="row">{point.label}</th>
                {props.series.map((series) => (
                  <td key={series.key}>{point.values[series.key] ?? 0}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
