/**
 * The access token lives in this module's memory only: never in localStorage, where any script on
 * the page could read it and it would outlive the tab. A reload restores it from the refresh cookie.
 */
let current: string | null = null;

export function currentAccessToken(): string | null {
  return current;
}

export function setAccessToken(token: string | null): void {
  current = token;
}
