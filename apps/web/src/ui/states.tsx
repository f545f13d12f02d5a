import type { ReactNode } from 'react';
import { Button } from './button.js';

/** Placeholder while data loads; announced once, politely. */
export function Loading({ label = 'Loading…', lines = 3 }: { label?: string; lines?: number }) {
  return (
    <div role="status" aria-live="polite" className="space-y-2 py-2">
      <span className="sr-only">{label}</span>
      {Array.from({ length: lines }, (_, index) => (
        <div
          key={index}
          aria-hidden="true"
          className="h-4 animate-pulse rounded bg-muted"
          style={{ width: `${90 - index * 15}%` }}
        />
      ))}
    </div>
  );
}

export function EmptyState(props: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-border px-4 py-8 text-center">
      <p className="font-medium">{props.title}</p>
      {props.children && <div className="mt-1 text-sm text-muted-foreground">{props.children}</div>}
      {props.action && <div className="mt-3 flex justify-center">{props.action}</div>}
    </div>
  );
}

/** What went wrong, in the api's words, with a way to try again. */
export function ErrorState(props: { title?: string; message: string; onRetry?: () => void; retrying?: boolean }) {
  return (
    <div role="alert" className="rounded-lg border border-danger/40 bg-danger-soft px-4 py-3 text-sm">
      <p className="font-medium text-danger">{props.title ?? 'Something went wrong'}</p>
      <p className="mt-1 text-danger">{props.message}</p>
      {props.onRetry && (
        <Button variant="secondary" size="sm" className="mt-3" onClick={props.onRetry} disabled={props.retrying}>
          {props.retrying ? 'Trying again…' : 'Try again'}
        </Button>
      )}
    </div>
  );
}
