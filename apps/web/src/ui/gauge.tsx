import { cn } from './cn.js';

/** Amber from 80 % of a limit, red from 95 %: the same thresholds as the usage alerts. */
export function gaugeTone(percent: number | null): 'ok' | 'warn' | 'danger' {
  if (percent === null) return 'ok';
  if (percent >= 95) return 'danger';
  if (percent >= 80) return 'warn';
  return 'ok';
}

const BAR = { ok: 'bg-meter-ok', warn: 'bg-meter-warn', danger: 'bg-meter-danger' } as const;
const TEXT = { ok: 'text-muted-foreground', warn: 'text-warning', danger: 'text-danger' } as const;
const WORD = { ok: '', warn: 'Near the limit', danger: 'At the limit' } as const;

/**
 * A usage meter against a limit. It is a `meter` to assistive technology, named by its label and
 * read as "used of limit"; the colour is never the only sign: the words under it say it too.
 */
export function Gauge(props: {
  label: string;
  value: number;
  /** null: no limit. */
  limit: number | null;
  percent: number | null;
  valueText: string;
  limitText: string;
}) {
  const tone = gaugeTone(props.percent);
  const width = Math.min(100, Math.max(0, props.percent ?? 0));
  return (
    <div className="min-w-0 rounded-lg border border-border bg-card p-4">
      <div className="flex items-baseline justify-between gap-2">
        <span className="text-sm font-medium">{props.label}</span>
        <span className={cn('text-xs font-medium', TEXT[tone])}>{WORD[tone]}</span>
      </div>
      <p className="mt-1 text-2xl font-semibold tabular-nums">
        {props.valueText}
        <span className="text-sm font-normal text-muted-foreground"> / {props.limitText}</span>
      </p>
      {/* biome-ignore lint/a11y/useSemanticElements: a native <meter> cannot take the theme's colours in every browser */}
      <div
        role="meter"
        aria-label={props.label}
        aria-valuemin={0}
        aria-valuemax={props.limit ?? Math.max(props.value, 1)}
        aria-valuenow={props.value}
        aria-valuetext={`${props.valueText} of ${props.limitText}${props.percent === null ? '' : ` (${props.percent}%)`}`}
        className="mt-3 h-2 w-full overflow-hidden rounded-full bg-muted"
      >
        <div className={cn('h-full rounded-full transition-[width]', BAR[tone])} style={{ width: `${width}%` }} />
      </div>
      <p className="mt-1 text-xs text-muted-foreground">
        {props.percent === null ? 'No limit on this plan' : `${props.percent}% of the limit`}
      </p>
    </div>
  );
}
