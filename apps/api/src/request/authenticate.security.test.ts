import { type ApiKeyRecord, apiKeyKey, generateApiKey, sessionKey } from '@digame/core/auth';
import { TenantSetting } from '@digame/core/settings';
import { Tenant } from '@digame/core/tenants';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '../testing/test-api.js';

const api = useTestApi();
let acme: TenantFixture;
let globex: TenantFixture;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme', 'professional');
  globex = await createTenantWithMembers(api.database.db, 'Globex', 'basic');
});

interface TrpcBody {
  error: { message: string; data: { code: string } };
}

/** Raw tRPC GET so status codes and headers are visible. */
async function call(path: string, token?: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${api.url}/trpc/${path}`, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as TrpcBody };
}

async function setTenant(
  tenantId: number,
  changes: Partial<{ apiRateLimit: number; isActive: boolean; suspensionReason: string | null }>,
) {
  await api.database.db.inGlobal(async (em) => {
    const tenant = await em.findOneOrFail(Tenant, { id: tenantId });
    em.assign(tenant, changes);
  });
  await api.deps.tenants.invalidate(tenantId);
}

function forge(claims: Record<string, unknown>, secret = api.config.JWT_SECRET, alg = 'HS256') {
  return new SignJWT(claims)
    .setProtectedHeader({ alg })
    .setSubject(acme.users.admin)
    .setIssuer('digame-tenancy')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret));
}

describe('access tokens', () => {
  it('identify the member, tenant, role and permissions', async () => {
    const token = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.manager, role: 'manager' });
    const me = await api.client(token).auth.whoami.query();
    expect(me).toMatchObject({ kind: 'session', userId: acme.users.manager, role: 'manager' });
    expect(me.tenant.id).toBe(acme.tenantUuid);
    expect(me.permissions).toContain('users.invite');
    expect(me.permissions).not.toContain('billing.manage');
    expect(me.tenant.features).toContain('api_access');
  });

  it('are refused without a credential, or with a malformed header', async () => {
    expect((await call('auth.whoami')).status).toBe(401);
    const malformed = await call('auth.whoami', undefined, { authorization: 'Token abc' });
    expect(malformed.status).toBe(401);
    expect(malformed.body.error.message).toMatch(/Bearer/);
  });

  it.each([
    [
      'alg none',
      async () =>
        `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', tid: acme.tenantUuid, sid: 's', role: 'admin', typ: 'access', aud: 'digame-api', exp: 9999999999 })).toString('base64url')}.`,
    ],
    [
      'a wrong key',
      async () =>
        forge(
          { typ: 'access', tid: acme.tenantUuid, sid: 's', role: 'admin', aud: 'digame-api' },
          'another-secret-another-secret-another',
        ),
    ],
    [
      'a wrong audience',
      async () => forge({ typ: 'access', tid: acme.tenantUuid, sid: 's', role: 'admin', aud: 'somebody-else' }),
    ],
    [
      'an MFA-pending token',
      async () => forge({ typ: 'mfa_pending', tid: acme.tenantUuid, sid: 's', role: 'admin', aud: 'digame-api' }),
    ],
    [
      'an expired token',
      async () =>
        api.deps.tokens.sign(
          { typ: 'access', sub: acme.users.admin, tid: acme.tenantUuid, sid: 's', role: 'admin' },
          -10,
        ),
    ],
    ['garbage', async () => 'not-a-token'],
  ])('refuse %s', async (_name, makeToken) => {
    const { status, body } = await call('auth.whoami', await makeToken());
    expect(status).toBe(401);
    expect(body.error.data.code).toBe('UNAUTHORIZED');
  });

  it('stop working at once when the session is revoked', async () => {
    const token = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.member, role: 'member' });
    expect((await call('auth.whoami', token)).status).toBe(200);
    const { sid } = await api.deps.tokens.verify(token);
    await api.deps.redis.del(sessionKey(api.config.REDIS_PREFIX, sid));
    const after = await call('auth.whoami', token);
    expect(after.status).toBe(401);
    expect(after.body.error.message).toBe('Invalid or expired credential');
  });

  it('cannot be pointed at another tenant: the token’s session belongs to its own tenant', async () => {
    const token = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.admin, role: 'admin' });
    const { sid } = await api.deps.tokens.verify(token);
    const forged = await api.deps.tokens.sign({
      typ: 'access',
      sub: acme.users.admin,
      tid: globex.tenantUuid,
      sid,
      role: 'admin',
    });
    expect((await call('auth.whoami', forged)).status).toBe(401);
  });
});

describe('API keys', () => {
  async function storeKey(tenant: TenantFixture, overrides: Partial<ApiKeyRecord> = {}) {
    const key = generateApiKey(tenant.tenantUuid);
    const record: ApiKeyRecord = {
      kind: 'api_key',
      tenantId: tenant.tenantId,
      keyId: key.keyId,
      secretHash: key.secretHash,
      scopes: ['usage.read'],
      expiresAt: null,
      createdByUserId: null,
      ...overrides,
    };
    await api.deps.redis.set(apiKeyKey(api.config.REDIS_PREFIX, key.keyId), JSON.stringify(record));
    return key;
  }

  it('authenticate with their scopes as permissions', async () => {
    const key = await storeKey(acme);
    const me = await api.client(key.token).auth.whoami.query();
    expect(me).toMatchObject({ kind: 'api_key', role: null, permissions: ['usage.read'] });
  });

  it('are refused with a wrong secret, when expired, revoked, or relabelled with another tenant', async () => {
    const key = await storeKey(acme);
    const wrongSecret = `${key.prefix}_${'A'.repeat(43)}`;
    expect((await call('auth.whoami', wrongSecret)).status).toBe(401);
    const expired = await storeKey(acme, { expiresAt: Date.now() - 1000 });
    expect((await call('auth.whoami', expired.token)).body.error.message).toBe('Invalid or expired credential');
    const compact = (uuid: string) => uuid.replaceAll('-', '');
    const otherTenant = key.token.replace(`dgk_${compact(acme.tenantUuid)}_`, `dgk_${compact(globex.tenantUuid)}_`);
    expect((await call('auth.whoami', otherTenant)).status).toBe(401);
    await api.deps.redis.del(apiKeyKey(api.config.REDIS_PREFIX, key.keyId));
    expect((await call('auth.whoami', key.token)).body.error.message).toBe('Invalid or expired credential');
  });
});

describe('tenant standing', () => {
  it('refuses members of a suspended tenant with a clear message, and lets them back after reactivation', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Suspendable');
    const token = await api.sessionToken({ tenantId: tenant.tenantId, userId: tenant.users.admin, role: 'admin' });
    await setTenant(tenant.tenantId, { isActive: false, suspensionReason: 'unpaid invoices' });
    const refused = await call('auth.whoami', token);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe(
      'This organization is suspended: unpaid invoices. Contact your platform operator.',
    );
    await setTenant(tenant.tenantId, { isActive: true, suspensionReason: null });
    expect((await call('auth.whoami', token)).status).toBe(200);
  });

  it('refuses addresses outside the IP allowlist', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Fenced');
    const token = await api.sessionToken({ tenantId: tenant.tenantId, userId: tenant.users.admin, role: 'admin' });
    await api.database.db.inTenant(tenant.tenantId, async (em) => {
      em.create(TenantSetting, {
        tenant: tenant.tenantId,
        category: 'security',
        key: 'ipAllowlist',
        value: ['10.0.0.0/8'],
      });
    });
    await api.deps.tenants.invalidate(tenant.tenantId);
    const refused = await call('auth.whoami', token);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe("Your address 127.0.0.1 is not on this organization's IP allowlist");
    await api.database.db.inTenant(tenant.tenantId, async (em) => {
      const setting = await em.findOneOrFail(TenantSetting, { key: 'ipAllowlist' });
      setting.value = ['10.0.0.0/8', '127.0.0.0/8'];
    });
    await api.deps.tenants.invalidate(tenant.tenantId);
    expect((await call('auth.whoami', token)).status).toBe(200);
  });
});

describe('hourly rate limit', () => {
  it('serves the limit, then answers 429 with Retry-After and X-RateLimit headers; a batch of N counts N', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Throttled');
    await setTenant(tenant.tenantId, { apiRateLimit: 5 });
    const token = await api.sessionToken({ tenantId: tenant.tenantId, userId: tenant.users.admin, role: 'admin' });
    const first = await call('auth.whoami', token);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('5');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('4');
    const batch = await call('auth.whoami,auth.whoami,auth.whoami?batch=1&input={}', token);
    expect(batch.status).toBe(200);
    expect(batch.headers.get('x-ratelimit-remaining')).toBe('1');
    expect((await call('auth.whoami', token)).status).toBe(200);
    const limited = await call('auth.whoami', token);
    expect(limited.status).toBe(429);
    expect(limited.body.error.data.code).toBe('TOO_MANY_REQUESTS');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(Number(limited.headers.get('x-ratelimit-reset')) * 1000).toBeGreaterThan(Date.now());
    // Other tenants are unaffected.
    const other = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.viewer, role: 'viewer' });
    expect((await call('auth.whoami', other)).status).toBe(200);
  });
});
