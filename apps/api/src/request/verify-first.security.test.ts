import { randomBytes, randomUUID } from 'node:crypto';
import { apiCallCounterKey, hourStart } from '@digame/core/request';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientAs, setTenantColumns } from '../testing/admin.js';
import { emailOf, GOOD_PASSWORD, postTrpc, setSecuritySetting, setUserPassword } from '../testing/identity.js';
import { useTestApi } from '../testing/test-api.js';

const api = useTestApi();

const compact = (uuid: string) => uuid.replaceAll('-', '');
const secret = () => randomBytes(32).toString('base64url');

/** What a tenant hands out that an attacker learns the shape of: a key's prefix, a session's refresh token. */
interface Exposed {
  tenant: TenantFixture;
  key: string;
  keyPrefix: string;
  refreshToken: string;
  sessionId: string;
}

async function expose(name: string): Promise<Exposed> {
  const tenant = await createTenantWithMembers(api.database.db, name, 'professional');
  const admin = await clientAs(api, tenant, 'admin');
  const created = await admin.apiKeys.create.mutate({ name: 'ci', scopes: ['usage.read'] });
  await setUserPassword(api.database.db, tenant.users.member);
  const session = await api.client().auth.signIn.mutate({
    email: await emailOf(api.database.db, tenant.users.member),
    password: GOOD_PASSWORD,
    tenant: tenant.slug,
    refreshTokenDelivery: 'body',
  });
  if (session.status !== 'signed_in' || !session.refreshToken) throw new Error('expected a session');
  return {
    tenant,
    key: created.key,
    keyPrefix: created.apiKey.prefix,
    refreshToken: session.refreshToken,
    sessionId: session.sessionId,
  };
}

/** A raw request, so the whole answer (status, headers, body) can be compared. */
async function answer(path: string, init: { token?: string; body?: unknown } = {}) {
  const response = await fetch(`${api.url}${path}`, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const headers = Object.fromEntries(
    [...response.headers].filter(([name]) => name.startsWith('x-ratelimit') || name === 'retry-after'),
  );
  return { status: response.status, headers, body: await response.json() };
}

/** Forgeries naming a tenant: a real key id with a made-up secret, a key id that does not exist, and so on. */
async function forgeriesNaming(exposed: { tenantUuid: string; keyPrefix: string; sessionId: string }) {
  const hex = compact(exposed.tenantUuid);
  return {
    keys: [`${exposed.keyPrefix}_${secret()}`, `dgk_${hex}_${randomBytes(8).toString('hex')}_${secret()}`],
    // Signed by the server, but for a session that does not exist (ended, or never was).
    accessTokens: [
      await api.deps.tokens.sign({
        typ: 'access',
        sub: randomUUID(),
        tid: exposed.tenantUuid,
        sid: randomUUID(),
        role: 'admin',
      }),
    ],
    refreshTokens: [
      `dgr_${hex}_${compact(exposed.sessionId)}_${secret()}`,
      `dgr_${hex}_${compact(randomUUID())}_${secret()}`,
    ],
  };
}

async function unprovenAnswers(exposed: { tenantUuid: string; keyPrefix: string; sessionId: string }) {
  const forged = await forgeriesNaming(exposed);
  const answers = [];
  for (const token of [...forged.keys, ...forged.accessTokens]) {
    answers.push(await answer('/trpc/auth.whoami', { token }));
    answers.push(await answer(`/api/tenants/${exposed.tenantUuid}`, { token }));
  }
  for (const refreshToken of forged.refreshTokens) {
    answers.push(await answer('/trpc/auth.refresh', { body: { refreshToken } }));
  }
  return answers;
}

let live: Exposed;
let suspended: Exposed;
let fenced: Exposed;

beforeAll(async () => {
  live = await expose('Verify Live');
  suspended = await expose('Verify Suspended');
  fenced = await expose('Verify Fenced');
  await setTenantColumns(api, suspended.tenant.tenantId, {
    isActive: false,
    suspendedAt: new Date(),
    suspensionReason: 'unpaid invoices of the victim',
  });
  await setSecuritySetting(api, fenced.tenant.tenantId, 'ipAllowlist', ['10.0.0.0/8']);
});

describe('a credential is proven before anything about its tenant is counted or told', () => {
  const counter = async (tenant: TenantFixture) =>
    Number(
      (await api.deps.redis.get(apiCallCounterKey(api.config.REDIS_PREFIX, tenant.tenantId, hourStart(Date.now())))) ??
        0,
    );

  it('forged keys, refresh tokens and anonymous calls naming a tenant never move its hourly counter', async () => {
    const before = await counter(live.tenant);
    const forged = await forgeriesNaming({ ...live, tenantUuid: live.tenant.tenantUuid });
    for (let round = 0; round < 10; round++) {
      for (const token of [...forged.keys, ...forged.accessTokens]) {
        expect((await answer('/trpc/auth.whoami', { token })).status).toBe(401);
        expect((await answer('/trpc/usage.get,usage.get?batch=1&input={}', { token })).status).toBe(401);
        expect((await answer(`/api/tenants/${live.tenant.tenantUuid}/usage`, { token })).status).toBe(401);
      }
      for (const refreshToken of forged.refreshTokens) {
        expect((await answer('/trpc/auth.refresh', { body: { refreshToken } })).status).toBe(401);
      }
    }
    // Anonymous calls that name the tenant: sign-in to it, its invitation links, its REST path.
    await postTrpc(api, 'auth.signIn', { email: 'nobody@example.com', password: 'wrong', tenant: live.tenant.slug });
    await answer(
      `/trpc/invitations.preview?input=${encodeURIComponent(JSON.stringify({ token: `inv_${compact(live.tenant.tenantUuid)}_${secret()}` }))}`,
    );
    await answer(`/api/tenants/${live.tenant.tenantUuid}`);
    expect(await counter(live.tenant)).toBe(before);

    // The tenant's own key still works, and its call is the one that counts.
    expect((await answer('/trpc/auth.whoami', { token: live.key })).status).toBe(200);
    expect(await counter(live.tenant)).toBe(before + 1);
  });

  it('every unproven credential gets the same 401, whatever tenant it names and whatever state that tenant is in', async () => {
    const nowhere = {
      tenantUuid: randomUUID(),
      keyPrefix: `dgk_${'0'.repeat(32)}_${'0'.repeat(16)}`,
      sessionId: randomUUID(),
    };
    const byTenant = [
      await unprovenAnswers({ ...live, tenantUuid: live.tenant.tenantUuid }),
      await unprovenAnswers({ ...suspended, tenantUuid: suspended.tenant.tenantUuid }),
      await unprovenAnswers({ ...fenced, tenantUuid: fenced.tenant.tenantUuid }),
      await unprovenAnswers(nowhere),
    ];
    const serialized = byTenant.flat().map((one) => JSON.stringify(one));
    expect(serialized.join('\n')).not.toMatch(/suspend|allowlist|unpaid|revoked|unknown/i);
    // The same three shapes (tRPC query, REST, tRPC mutation) for every tenant, and one message in all of them.
    for (const answers of byTenant) expect(answers).toEqual(byTenant[3]);
    const messages = new Set(byTenant.flat().map((one) => (one.body as { error: { message: string } }).error.message));
    expect([...messages]).toEqual(['Invalid or expired credential']);
    expect(byTenant.flat().every((one) => one.status === 401 && Object.keys(one.headers).length === 0)).toBe(true);
  });

  it('tells a proven credential about its own tenant’s standing, without counting the refused call', async () => {
    const before = await counter(suspended.tenant);
    const refused = await answer('/trpc/auth.whoami', { token: suspended.key });
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toContain('unpaid invoices of the victim');
    const refresh = await answer('/trpc/auth.refresh', { body: { refreshToken: suspended.refreshToken } });
    expect(refresh.status).toBe(403);
    expect((await answer('/trpc/auth.whoami', { token: fenced.key })).status).toBe(403);
    expect(await counter(suspended.tenant)).toBe(before);
  });
});
