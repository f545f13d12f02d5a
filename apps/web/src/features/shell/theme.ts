import { useSyncExternalStore } from 'react';

/** The user's choice; "system" follows the operating system's light or dark setting. */
export type ThemeChoice = 'light' | 'dark' | 'system';

const STORAGE_KEY = 'digame:theme';
const listeners = new Set<() => void>();
const darkQuery = typeof window === 'undefined' ? null : window.matchMedia('(prefers-color-scheme: dark)');

function storedChoice(): ThemeChoice {
  const stored = localStorage.getItem(STORAGE_KEY);
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

let choice: ThemeChoice = typeof window === 'undefined' ? 'system' : storedChoice();

function resolved(): 'light' | 'dark' {
  if (choice !== 'system') return choice;
  return darkQuery?.matches ? 'dark' : 'light';
}

function apply(): void {
  document.documentElement.classList.toggle('dark', resolved() === 'dark');
  for (const listener of listeners) listener();
}

/** Applies the stored choice now and follows the system setting while the choice is "system". */
export function initTheme(): void {
  apply();
  darkQuery?.addEventListener('change', apply);
}

export function setTheme(next: ThemeChoice): void {
  choice = next;
  if (next === 'system') localStorage.removeItem(STORAGE_KEY);
  else localStorage.setItem(STORAGE_KEY, next);
  apply();
}

export function useTheme(): { choice: ThemeChoice; resolved: 'light' | 'dark' } {
  const current = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => `${choice}:${resolved()}`,
  );
  const [chosen, shown] = current.split(':') as [ThemeChoice, 'light' | 'dark'];
  return { choice: chosen, resolved: shown };
}
