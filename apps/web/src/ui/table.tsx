import type { ReactNode } from 'react';
import { cn } from './cn.js';

export interface Column<Row> {
  header: string;
  cell: (row: Row) => ReactNode;
  /** The row's name for screen readers: rendered as a row header. */
  rowHeader?: boolean;
  className?: string;
  /** Hidden on phones when the table would otherwise be too wide to read. */
  hideOnPhone?: boolean;
  /** In a table stacked on phones, the value is led by its header (a bare number needs its name). */
  phoneLabel?: boolean;
}

/**
 * A table with a caption. On narrow screens it scrolls inside its own box, so the page itself never
 * scrolls sideways; with `stackOnPhone`, each row becomes a block on a phone instead: the row header
 * on its own line, the other cells after it, wrapping between cells rather than inside words.
 */
export function DataTable<Row>(props: {
  caption: string;
  captionHidden?: boolean;
  columns: Array<Column<Row>>;
  rows: Row[];
  rowKey: (row: Row) => string;
  stackOnPhone?: boolean;
}) {
  const stack = props.stackOnPhone === true;
  const cellClass = (column: Column<Row>, base: string) =>
    cn(
      base,
      column.hideOnPhone && 'hidden sm:table-cell',
      stack && 'max-sm:p-0',
      stack && column.rowHeader && 'max-sm:basis-full max-sm:font-medium',
      column.className,
    );
  return (
    // Focusable, so keyboard users can scroll it too when it is wider than the screen.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <div tabIndex={0} data-table-scroll="" className="-mx-1 overflow-x-auto px-1">
      <table className={cn('w-full border-collapse text-sm', stack && 'max-sm:block')}>
        <caption className={props.captionHidden === false ? 'mb-2 text-left text-sm text-muted-foreground' : 'sr-only'}>
          {props.caption}
        </caption>
        {/* A stacked row names its values itself (badges, dates, a select's label). */}
        <thead className={cn(stack && 'max-sm:hidden')}>
          <tr className="border-b border-border text-left text-muted-foreground">
            {props.columns.map((column) => (
              <th
                key={column.header}
                scope="col"
                className={cn(
                  'px-2 py-2 font-medium whitespace-nowrap',
                  column.hideOnPhone && 'hidden sm:table-cell',
                  column.className,
                )}
              >
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className={cn(stack && 'max-sm:block')}>
          {props.rows.map((row) => (
            <tr
              key={props.rowKey(row)}
              className={cn(
                'border-b border-border last:border-0',
                stack && 'max-sm:flex max-sm:flex-wrap max-sm:items-center max-sm:gap-x-3 max-sm:gap-y-1 max-sm:py-2',
              )}
            >
              {props.columns.map((column) =>
                column.rowHeader ? (
                  <th key={column.header} scope="row" className={cellClass(column, 'px-2 py-2 text-left font-normal')}>
                    {column.cell(row)}
                  </th>
                ) : (
                  <td key={column.header} className={cellClass(column, 'px-2 py-2 align-top')}>
                    {stack && column.phoneLabel && (
                      <span className="text-muted-foreground sm:hidden">{column.header}: </span>
                    )}
                    {column.cell(row)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Previous / next for cursor-paged lists. */
export function Pager(props: {
  page: number;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
}) {
  return (
    <nav aria-label="Pages" className="mt-3 flex items-center justify-between gap-2 text-sm">
      <button
        type="button"
        className="rounded-md border border-border px-3 py-1.5 disabled:opacity-50"
        disabled={!props.hasPrevious}
        onClick={props.onPrevious}
      >
        Previous
      </button>
      <span className="text-muted-foreground">Page {props.page}</span>
      <button
        type="button"
        className="rounded-md border border-border px-3 py-1.5 disabled:opacity-50"
        disabled={!props.hasNext}
        onClick={props.onNext}
      >
        Next
      </button>
    </nav>
  );
}
