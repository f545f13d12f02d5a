import { Link, useRouterState } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { cn } from '../../ui/cn.js';
import { Page } from '../../ui/page.js';

/**
 * The settings sections, in the order of the tabs. Another area's settings screen (e.g. data
 * export under /settings/data) adds its line here and renders inside <SettingsPage>.
 */
export const SETTINGS_SECTIONS = [
  { to: '/settings/general', label: 'General' },
  { to: '/settings/security', label: 'Security' },
  { to: '/settings/branding', label: 'Branding' },
  { to: '/settings/secrets', label: 'Secrets' },
  { to: '/settings/deletion', label: 'Delete organization' },
] as const;

/** A settings screen: the page heading, the section tabs (a wrapping row on phones), the content. */
export function SettingsPage(props: { title: string; description: ReactNode; children: ReactNode }) {
  const pathname = useRouterState({ select: (state) => state.location.pathname });
  return (
    <Page title={props.title} description={props.description}>
      <nav aria-label="Settings sections">
        <ul className="flex flex-wrap gap-1 border-b border-border pb-2">
          {SETTINGS_SECTIONS.map((section) => {
            const active = pathname === section.to;
            return (
              <li key={section.to}>
                <Link
                  to={section.to}
                  aria-current={active ? 'page' : undefined}
                  className={cn(
                    'block rounded-md px-3 py-1.5 text-sm text-foreground no-underline!',
                    active ? 'bg-muted font-semibold' : 'hover:bg-muted',
                  )}
                >
                  {section.label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      {props.children}
    </Page>
  );
}
