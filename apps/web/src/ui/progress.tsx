/**
 * How far a piece of work has come, 0 to 1. A `progressbar` to assistive technology, named by
 * its label and read as a percentage; the percentage is written beside it too. (A styled div: a
 * native <progress> cannot take the theme's colours in every browser.)
 */
export function ProgressBar(props: { label: string; value: number }) {
  const percent = Math.round(Math.min(1, Math.max(0, props.value)) * 100);
  return (
    <div className="flex min-w-32 items-center gap-2">
      <div
        role="progressbar"
        aria-label={props.label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        className="h-2 w-full overflow-hidden rounded-full bg-muted"
      >
        <div className="h-full rounded-full bg-primary transition-[width]" style={{ width: `${percent}%` }} />
      </div>
      <span className="w-10 text-right text-xs tabular-nums text-muted-foreground">{percent}%</span>
    </div>
  );
}
