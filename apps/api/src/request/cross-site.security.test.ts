import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { emailOf, GOOD_PASSWORD, postTrpc, setUserPassword } from '../testing/identity.js';
import { useTestApi } from '../testing/test-api.js';

const api = useTestApi();
const APP_ORIGIN = 'http://localhost:5173';
let acme: TenantFixture;
let email: string;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme Cross Site');
  await setUserPassword(api.database.db, acme.users.admin);
  email = await emailOf(api.database.db, acme.users.admin);
});

async function browserSignIn(): Promise<string> {
  const response = await postTrpc(api, 'auth.signIn', { email, password: GOOD_PASSWORD }, { origin: APP_ORIGIN });
  expect(response.status).toBe(200);
  const cookie = /^(dg_refresh=[^;]+)/.exec(response.setCookie ?? '')?.[1];
  if (!cookie) throw new Error('no refresh cookie');
  return cookie;
}

describe('form posts to /trpc', () => {
  it.each([
    ['application/x-www-form-urlencoded', `email=${encodeURIComponent('x@y.test')}&password=x`],
    [
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\nx@y.test\r\n--x--\r\n',
    ],
    ['text/plain', '{"email":"x@y.test","password":"x"}'],
  ])('are refused when sent as %s', async (contentType, body) => {
    const response = await fetch(`${api.url}/trpc/auth.signIn`, {
      method: 'POST',
      headers: { 'content-type': contentType, origin: 'http://evil.test' },
      body,
    });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/JSON/);
  });
});

describe('the refresh cookie', () => {
  it('is spent only by requests from the dashboard’s own origin, and only ever answered with a cookie', async () => {
    const cookie = await browserSignIn();
    const foreign = await postTrpc(api, 'auth.refresh', {}, { cookie, origin: 'http://evil.test' });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error?.message).toMatch(/Cross-origin request refused/);
    const noOrigin = await postTrpc(api, 'auth.refresh', {}, { cookie });
    expect(noOrigin.status).toBe(403);

    const own = await postTrpc(api, 'auth.refresh', {}, { cookie, origin: APP_ORIGIN });
    expect(own.status).toBe(200);
    expect(own.body.result?.data.refreshToken).toBeNull();
    expect(own.setCookie).toMatch(/^dg_refresh=dgr_/);
    expect(own.setCookie).not.toContain(cookie.slice('dg_refresh='.length));
  });

  it('cannot be used to forge a sign-in from another site', async () => {
    const forged = await postTrpc(
      api,
      'auth.signIn',
      { email, password: GOOD_PASSWORD },
      { origin: 'http://evil.test' },
    );
    expect(forged.status).toBe(403);
  });

  it('is cleared on sign-out', async () => {
    const cookie = await browserSignIn();
    const session = await postTrpc(api, 'auth.refresh', {}, { cookie, origin: APP_ORIGIN });
    const accessToken = String(session.body.result?.data.accessToken);
    const rotatedCookie = /^(dg_refresh=[^;]+)/.exec(session.setCookie ?? '')?.[1] ?? '';
    const out = await postTrpc(api, 'auth.signOut', undefined, {
      authorization: `Bearer ${accessToken}`,
      cookie: rotatedCookie,
      origin: APP_ORIGIN,
    });
    expect(out.status).toBe(200);
    expect(out.setCookie).toMatch(/^dg_refresh=; Path=\/trpc; Max-Age=0/);
    expect((await postTrpc(api, 'auth.refresh', {}, { cookie: rotatedCookie, origin: APP_ORIGIN })).status).toBe(401);
  });
});

describe('tRPC batches', () => {
  it('are capped at 20 calls with a clear error, and a refused batch is not counted', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Acme Batches');
    const token = await api.sessionToken({ tenantId: tenant.tenantId, userId: tenant.users.viewer, role: 'viewer' });
    const batch = (n: number) =>
      fetch(`${api.url}/trpc/${Array(n).fill('auth.whoami').join(',')}?batch=1&input={}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    const tooMany = await batch(21);
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { error: { message: string } }).error.message).toBe(
      'A batch may hold at most 20 calls; this one has 21',
    );
    const allowed = await batch(20);
    expect(allowed.status).toBe(200);
    const limit = Number(allowed.headers.get('x-ratelimit-limit'));
    expect(Number(allowed.headers.get('x-ratelimit-remaining'))).toBe(limit - 20);
  });
});
