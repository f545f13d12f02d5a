import { createTenantWithMembers } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { tenantUuid } from '../testing/admin.js';
import { useTestApi } from '../testing/test-api.js';

// docs/api.md says what browsers may do: this is that, as the api really answers.
const api = useTestApi();
const elsewhere = 'https://elsewhere.example';
let token: string;
let tenantId: string;

beforeAll(async () => {
  const acme = await createTenantWithMembers(api.database.db, 'Cors Acme');
  token = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.admin, role: 'admin' });
  tenantId = await tenantUuid(api.database.db, acme.tenantId);
});

describe('browsers on other origins', () => {
  it('get no CORS grant: not on a preflight, not on a call, over tRPC or REST', async () => {
    const preflight = await fetch(`${api.url}/trpc/auth.whoami`, {
      method: 'OPTIONS',
      headers: {
        origin: elsewhere,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    const query = await fetch(`${api.url}/trpc/auth.whoami`, {
      headers: { origin: elsewhere, authorization: `Bearer ${token}` },
    });
    const rest = await fetch(`${api.url}/api/tenants/${tenantId}`, {
      headers: { origin: elsewhere, authorization: `Bearer ${token}` },
    });
    expect(query.status).toBe(200);
    expect(rest.status).toBe(200);
    for (const response of [preflight, query, rest]) {
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('cannot POST to /trpc from another origin, nor with cookies, nor as a form', async () => {
    const signIn = (headers: Record<string, string>, body = '{"email":"a@b.test","password":"x"}') =>
      fetch(`${api.url}/trpc/auth.signIn`, { method: 'POST', headers, body });
    expect((await signIn({ 'content-type': 'application/json', origin: elsewhere })).status).toBe(403);
    expect((await signIn({ 'content-type': 'application/json', cookie: 'dg_refresh=x' })).status).toBe(403);
    expect((await signIn({ 'content-type': 'text/plain' })).status).toBe(415);
    // The dashboard's own origin is let through to the procedure (which then judges the password).
    expect((await signIn({ 'content-type': 'application/json', origin: 'http://localhost:5173' })).status).toBe(401);
  });
});
