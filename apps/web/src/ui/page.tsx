import { type ReactNode, useEffect, useRef } from 'react';

/** Product name after every page title, so tabs and history read "Team · Digame Tenancy". */
export const PRODUCT_NAME = 'Digame Tenancy';

let firstPageShown = false;

/**
 * A page: sets the document title, and after a navigation moves focus to its heading so screen
 * reader and keyboard users start at the new content (the first page of a load keeps the
 * browser's own focus, so autofocus still works).
 */
export function Page(props: { title: string; description?: ReactNode; actions?: ReactNode; children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · ${PRODUCT_NAME}`;
  }, [props.title]);
  useEffect(() => {
    if (firstPageShown) heading.current?.focus();
    firstPageShown = true;
  }, []);
  return (
    <div className="mx-auto w-full max-w-6xl space-y-5">
      <header className="flex flex-wrap items-end justify-between gap-3">
        <div className="min-w-0">
          <h1 ref={heading} tabIndex={-1} className="text-2xl font-semibold tracking-tight">
            {props.title}
          </h1>
          {props.description && <p className="mt-1 text-sm text-muted-foreground">{props.description}</p>}
        </div>
        {props.actions && <div className="flex flex-wrap gap-2">{props.actions}</div>}
      </header>
      {props.children}
    </div>
  );
}
