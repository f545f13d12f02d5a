import type { ReactNode } from 'react';
import { cn } from './cn.js';

/** A titled region of a page; the title names the region for screen readers. */
export function Card(props: {
  title?: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  /** Heading level of the title inside the page (pages use h1, so cards default to h2). */
  level?: 2 | 3;
  id?: string;
}) {
  const Heading = props.level === 3 ? 'h3' : 'h2';
  const headingId = props.id ? `${props.id}-title` : undefined;
  return (
    <section
      id={props.id}
      aria-labelledby={headingId}
      aria-label={!headingId && typeof props.title === 'string' ? props.title : undefined}
      className={cn('min-w-0 rounded-lg border border-border bg-card p-4 shadow-sm sm:p-5', props.className)}
    >
      {(props.title || props.actions) && (
        <div className="mb-3 flex flex-wrap items-start justify-between gap-2">
          <div className="min-w-0">
            {props.title && (
              <Heading id={headingId} className="text-base font-semibold">
                {props.title}
              </Heading>
            )}
            {props.description && <p className="text-sm text-muted-foreground">{props.description}</p>}
          </div>
          {props.actions && <div className="flex flex-wrap gap-2">{props.actions}</div>}
        </div>
      )}
      {props.children}
    </section>
  );
}
