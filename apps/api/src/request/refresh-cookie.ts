/**
 * The browser keeps its refresh token in an httpOnly, SameSite=Strict cookie scoped to /trpc:
 * page scripts cannot read it and other sites cannot make the browser send it.
 */
export const REFRESH_COOKIE = 'dg_refresh';

export function readRefreshCookie(cookieHeader: string | null): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === REFRESH_COOKIE) return value.join('=') || null;
  }
  return null;
}

export function refreshCookie(token: string, expiresAt: Date, appUrl: string): string {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  return `${REFRESH_COOKIE}=${token}; Path=/trpc; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure(appUrl)}`;
}

export function clearedRefreshCookie(appUrl: string): string {
  return `${REFRESH_COOKIE}=; Path=/trpc; Max-Age=0; HttpOnly; SameSite=Strict${secure(appUrl)}`;
}

/** Secure everywhere but plain-http development. */
function secure(appUrl: string): string {
  return new URL(appUrl).protocol === 'https:' ? '; Secure' : '';
}
