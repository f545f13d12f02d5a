import { TenantAuditLog } from '@digame/core/audit';
import { ApiKey, apiKeyKey } from '@digame/core/auth';
import { TenantUser } from '@digame/core/members';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditActions, refusedWith } from '../../testing/identity.js';
import { useTestApi } from '../../testing/test-api.js';

const api = useTestApi();
let acme: TenantFixture;
let globex: TenantFixture;
let startup: TenantFixture;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme Keys', 'professional');
  globex = await createTenantWithMembers(api.database.db, 'Globex Keys', 'enterprise');
  startup = await createTenantWithMembers(api.database.db, 'Startup Keys', 'basic');
});

async function adminOf(fixture: TenantFixture) {
  return api.client(await api.sessionToken({ tenantId: fixture.tenantId, userId: fixture.users.admin, role: 'admin' }));
}

describe('creating API keys', () => {
  it('shows the key once, stores only a hash with a visible prefix, and the key works with the typed client', async () => {
    const admin = await adminOf(acme);
    const created = await admin.apiKeys.create.mutate({ name: 'Reporting', scopes: ['usage.read', 'analytics.read'] });
    expect(created.key).toMatch(
      new RegExp(`^dgk_${acme.tenantUuid.replaceAll('-', '')}_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$`),
    );
    expect(created.key.startsWith(created.apiKey.prefix)).toBe(true);
    expect(created.apiKey).toMatchObject({
      name: 'Reporting',
      scopes: ['analytics.read', 'usage.read'],
      revokedAt: null,
    });

    const listed = await admin.apiKeys.list.query();
    expect(JSON.stringify(listed)).not.toContain(created.key);
    const row = await api.database.db.inTenant(acme.tenantId, (em) =>
      em.findOneOrFail(ApiKey, { id: created.apiKey.id }),
    );
    expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(created.key).not.toContain(row.secretHash);

    const me = await api.client(created.key).auth.whoami.query();
    expect(me).toMatchObject({ kind: 'api_key', permissions: ['analytics.read', 'usage.read'] });
    expect((await auditActions(api.database.db, acme.tenantId, 'apikey.created')).at(-1)).toMatchObject({
      resourceId: created.apiKey.id,
      user: { id: acme.users.admin },
    });
  });

  it('needs apikeys.manage and the api_access feature, naming what is missing', async () => {
    const manager = api.client(
      await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.manager, role: 'manager' }),
    );
    expect(await refusedWith(manager.apiKeys.create.mutate({ name: 'x', scopes: ['usage.read'] }))).toMatchObject({
      code: 'FORBIDDEN',
      message: 'Missing permission: apikeys.manage',
    });
    const basicAdmin = await adminOf(startup);
    expect(await refusedWith(basicAdmin.apiKeys.create.mutate({ name: 'x', scopes: ['usage.read'] }))).toMatchObject({
      code: 'FORBIDDEN',
      details: { reason: 'feature_not_available', feature: 'api_access', requiredTier: 'professional' },
    });
  });

  it('never grants more than its creator holds', async () => {
    // A manager granted apikeys.manage still lacks billing.manage.
    await api.database.db.inTenant(acme.tenantId, async (em) => {
      const membership = await em.findOneOrFail(TenantUser, { user: acme.users.manager });
      membership.permissions = { grant: ['apikeys.manage'] };
    });
    const manager = api.client(
      await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.manager, role: 'manager' }),
    );
    expect(
      await refusedWith(
        manager.apiKeys.create.mutate({ name: 'Billing bot', scopes: ['usage.read', 'billing.manage'] }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'scope_exceeds_creator', scopes: ['billing.manage'] } });
    const ok = await manager.apiKeys.create.mutate({ name: 'Usage bot', scopes: ['usage.read'] });
    expect(ok.apiKey.createdByUserId).toBe(acme.users.manager);
  });

  it('rejects bad input with field messages and an expiry in the past', async () => {
    const admin = await adminOf(acme);
    expect((await refusedWith(admin.apiKeys.create.mutate({ name: '', scopes: [] }))).fields).toMatchObject({
      name: 'is required',
      scopes: 'give the key at least one permission',
    });
    const past = await refusedWith(
      admin.apiKeys.create.mutate({ name: 'Old', scopes: ['usage.read'], expiresAt: '2020-01-01T00:00:00Z' }),
    );
    expect(past).toMatchObject({ code: 'BAD_REQUEST', fields: { expiresAt: 'must be in the future' } });
  });
});

describe('using API keys', () => {
  it('allow only their scopes, and never person-only procedures', async () => {
    const admin = await adminOf(acme);
    const { key } = await admin.apiKeys.create.mutate({ name: 'Narrow', scopes: ['usage.read'] });
    const client = api.client(key);
    expect(await refusedWith(client.apiKeys.list.query())).toMatchObject({
      code: 'FORBIDDEN',
      message: 'Missing permission: apikeys.manage',
    });
    expect((await refusedWith(client.auth.profile.query())).code).toBe('FORBIDDEN');
    expect((await refusedWith(client.sessions.list.query())).code).toBe('FORBIDDEN');
  });

  it('record when and from where each key was last used, without a database write per request', async () => {
    const admin = await adminOf(acme);
    const { key, apiKey } = await admin.apiKeys.create.mutate({ name: 'Tracked', scopes: ['usage.read'] });
    expect((await admin.apiKeys.list.query()).find((k) => k.id === apiKey.id)?.lastUsedAt).toBeNull();
    await api.client(key).auth.whoami.query();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const listed = (await admin.apiKeys.list.query()).find((k) => k.id === apiKey.id);
    expect(listed?.lastUsedIp).toBe('127.0.0.1');
    expect(Date.now() - Date.parse(listed?.lastUsedAt ?? '')).toBeLessThan(10_000);
  });

  it('expire: the Redis record lapses at the expiry', async () => {
    const admin = await adminOf(acme);
    const expiresAt = new Date(Date.now() + 3_600_000);
    const { apiKey } = await admin.apiKeys.create.mutate({
      name: 'Temporary',
      scopes: ['usage.read'],
      expiresAt: expiresAt.toISOString(),
    });
    const row = await api.database.db.inTenant(acme.tenantId, (em) => em.findOneOrFail(ApiKey, { id: apiKey.id }));
    const ttl = await api.deps.redis.pttl(apiKeyKey(api.config.REDIS_PREFIX, row.keyId));
    expect(Math.abs(ttl - 3_600_000)).toBeLessThan(10_000);
  });

  it('stop working at once when revoked', async () => {
    const admin = await adminOf(acme);
    const { key, apiKey } = await admin.apiKeys.create.mutate({ name: 'Doomed', scopes: ['usage.read'] });
    await api.client(key).auth.whoami.query();
    const revoked = await admin.apiKeys.revoke.mutate({ id: apiKey.id });
    expect(revoked.revokedAt).not.toBeNull();
    expect(await refusedWith(api.client(key).auth.whoami.query())).toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'Invalid or expired credential',
    });
    expect((await auditActions(api.database.db, acme.tenantId, 'apikey.revoked')).at(-1)?.resourceId).toBe(apiKey.id);
  });

  it('stop working when their creator is removed or deactivated, while other keys go on', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Departing Keys', 'enterprise');
    await api.database.db.inTenant(tenant.tenantId, async (em) => {
      for (const user of [tenant.users.manager, tenant.users.member]) {
        const membership = await em.findOneOrFail(TenantUser, { user });
        membership.permissions = { grant: ['apikeys.manage'] };
      }
    });
    const keyOf = async (userId: string, role: 'manager' | 'member') =>
      (
        await api
          .client(await api.sessionToken({ tenantId: tenant.tenantId, userId, role }))
          .apiKeys.create.mutate({ name: `${role} bot`, scopes: ['usage.read'] })
      ).key;
    const managerKey = await keyOf(tenant.users.manager, 'manager');
    const memberKey = await keyOf(tenant.users.member, 'member');
    const admin = await adminOf(tenant);
    const adminKey = (await admin.apiKeys.create.mutate({ name: 'Admin bot', scopes: ['usage.read'] })).key;
    const memberIdOf = (userId: string) =>
      api.database.db.inTenant(
        tenant.tenantId,
        async (em) => (await em.findOneOrFail(TenantUser, { user: userId })).id,
      );

    await admin.members.remove.mutate({ memberId: await memberIdOf(tenant.users.manager) });
    await admin.members.deactivate.mutate({ memberId: await memberIdOf(tenant.users.member) });

    for (const key of [managerKey, memberKey]) {
      expect(await refusedWith(api.client(key).auth.whoami.query())).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    expect((await api.client(adminKey).auth.whoami.query()).tenant.id).toBe(tenant.tenantUuid);
    const revocations = await api.database.db.inTenant(tenant.tenantId, (em) =>
      em.find(TenantAuditLog, { action: 'apikey.revoked' }, { orderBy: { createdAt: 'asc' } }),
    );
    expect(revocations.map((entry) => entry.details.reason)).toEqual(['creator_removed', 'creator_deactivated']);
  });

  it('stop working when the organization moves to a tier without API access', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Downgraded Keys', 'professional');
    const admin = await adminOf(tenant);
    const { key } = await admin.apiKeys.create.mutate({ name: 'Soon useless', scopes: ['usage.read'] });
    await api.database.db.inGlobal((em) =>
      em.execute(`update tenants set features = features || '{"api_access": false}' where id = ?`, [tenant.tenantId]),
    );
    await api.deps.tenants.invalidate(tenant.tenantId);
    expect(await refusedWith(api.client(key).auth.whoami.query())).toMatchObject({
      code: 'FORBIDDEN',
      details: { feature: 'api_access' },
    });
  });
});

describe('API keys across tenants', () => {
  it('are invisible to and cannot be revoked by another tenant', async () => {
    const { apiKey, key } = await (await adminOf(acme)).apiKeys.create.mutate({
      name: 'Acme only',
      scopes: ['usage.read'],
    });
    const intruder = await adminOf(globex);
    expect((await intruder.apiKeys.list.query()).map((k) => k.id)).not.toContain(apiKey.id);
    expect(await refusedWith(intruder.apiKeys.revoke.mutate({ id: apiKey.id }))).toMatchObject({
      code: 'NOT_FOUND',
      message: 'No such API key',
    });
    expect((await api.client(key).auth.whoami.query()).tenant.id).toBe(acme.tenantUuid);
  });
});
