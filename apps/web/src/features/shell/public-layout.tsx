import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';

/** Pages reached before signing in (sign-in, sign-up, links from emails): a centred card. */
export function PublicLayout({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-screen flex-col items-center px-3 py-8 sm:py-14">
      <header className="mb-6">
        <Link to="/" className="flex items-center gap-2 text-lg font-semibold text-foreground no-underline!">
          <span
            aria-hidden="true"
            className="flex h-8 w-8 items-center justify-center rounded bg-primary text-primary-foreground"
          >
            D
          </span>
          Digame Tenancy
        </Link>
      </header>
      <main id="content" className="w-full max-w-md rounded-lg border border-border bg-card p-5 shadow-sm sm:p-7">
        {children}
      </main>
    </div>
  );
}
