import { type MouseEvent, type ReactNode, useSyncExternalStore } from 'react';

/**
 * A pathname router in a few lines: the dashboard has a handful of pages, all reached from links in
 * emails, so a router library would add more than it saves.
 */
const NAVIGATED = 'digame:navigated';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATED, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATED, onChange);
  };
}

/** The current location; re-renders on navigation and on back/forward. */
export function useLocation(): { pathname: string; params: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, () => window.location.pathname + window.location.search);
  const url = new URL(href, window.location.origin);
  return { pathname: url.pathname, params: url.searchParams };
}

export function navigate(to: string): void {
  window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATED));
}

/** Only paths of this site: a `next=` parameter must never send the user to another origin. */
export function safeLocalPath(candidate: string | null): string | null {
  return candidate?.startsWith('/') && !candidate.startsWith('//') ? candidate : null;
}

export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    // Modified clicks (new tab, new window) stay with the browser.
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={follow} className={className}>
      {children}
    </a>
  );
}
