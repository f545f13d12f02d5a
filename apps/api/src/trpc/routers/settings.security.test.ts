import { TenantSetting } from '@digame/core/settings';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, clientAs, expectRefused, refusal } from '../../testing/admin.js';
import { useTestApi } from '../../testing/test-api.js';

const api = useTestApi();
let acme: TenantFixture;
let globex: TenantFixture;
let initech: TenantFixture;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme', 'professional');
  globex = await createTenantWithMembers(api.database.db, 'Globex', 'basic');
  initech = await createTenantWithMembers(api.database.db, 'Initech', 'enterprise');
});

const storedRow = (tenantId: number, key: string) =>
  api.database.db.inTenant(tenantId, (em) => em.findOne(TenantSetting, { key }));

describe('settings', () => {
  it.each(['admin', 'manager', 'member', 'viewer'] as const)('are readable by a %s, by category', async (role) => {
    const client = await clientAs(api, acme, role);
    const security = await client.settings.list.query({ category: 'security' });
    expect(security.map((setting) => setting.key)).toEqual(
      expect.arrayContaining(['ipAllowlist', 'mfaRequired', 'sessionIdleMinutes', 'ssoClientSecret']),
    );
    expect(security.find((setting) => setting.key === 'ssoProvider')).toMatchObject({
      feature: 'sso',
      available: false,
    });
  });

  it("tells a reader the caller's own address, the one the IP allowlist must keep", async () => {
    const viewer = await clientAs(api, acme, 'viewer');
    expect(await viewer.settings.callerAddress.query()).toEqual({ ipAddress: '127.0.0.1' });
  });

  it('validates each key with its own schema, with field messages', async () => {
    const admin = await clientAs(api, acme, 'admin');
    const cases: [Parameters<typeof admin.settings.set.mutate>[0], string][] = [
      [{ category: 'security', key: 'ipAllowlist', value: ['10.0.0.0/33'] }, 'value.0'],
      [{ category: 'security', key: 'sessionIdleMinutes', value: 2 }, 'value'],
      [{ category: 'general', key: 'supportEmail', value: 'nope' }, 'value'],
      [{ category: 'notifications', key: 'webhookUrl', value: 'http://hooks.example.com' }, 'value'],
      [{ category: 'general', key: 'favouriteColour', value: 'red' }, 'key'],
      [{ category: 'colours' as never, key: 'x', value: 1 }, 'category'],
    ];
    for (const [input, field] of cases) {
      const { data } = await refusal(admin.settings.set.mutate(input));
      expect(data.code).toBe('BAD_REQUEST');
      expect(Object.keys(data.fields ?? {})).toEqual([field]);
    }
  });

  it('stores a setting, audits its before and after, and the request path enforces security ones', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Fortress', 'professional');
    const admin = await clientAs(api, tenant, 'admin');
    // The admin calls from 127.0.0.1: a list without it would lock them out, so it is refused and nothing changes.
    const lockout = await expectRefused(
      admin.settings.set.mutate({ category: 'security', key: 'ipAllowlist', value: ['10.0.0.0/8'] }),
      'PRECONDITION_FAILED',
      'This allowlist would lock you out: your address 127.0.0.1 is not on it',
    );
    expect(lockout.data.details).toMatchObject({ reason: 'allowlist_excludes_caller' });
    expect(await auditEntries(api.database.db, tenant.tenantId, 'setting.updated')).toHaveLength(0);
    const saved = await admin.settings.set.mutate({
      category: 'security',
      key: 'ipAllowlist',
      value: ['10.0.0.0/8', '127.0.0.1'],
    });
    expect(saved).toMatchObject({ isSet: true, value: ['10.0.0.0/8', '127.0.0.1/32'] });
    expect((await admin.settings.list.query()).length).toBeGreaterThan(0);
    // Once the list no longer holds the caller's address (changed from elsewhere), the request path refuses them.
    await api.database.db.inTenant(tenant.tenantId, async (em) => {
      (await em.findOneOrFail(TenantSetting, { key: 'ipAllowlist' })).value = ['10.0.0.0/8'];
    });
    await api.deps.tenants.invalidate(tenant.tenantId);
    await expectRefused(admin.settings.list.query(), 'FORBIDDEN', /IP allowlist/);
    await api.database.db.inTenant(tenant.tenantId, async (em) => {
      (await em.findOneOrFail(TenantSetting, { key: 'ipAllowlist' })).value = ['127.0.0.0/8'];
    });
    await api.deps.tenants.invalidate(tenant.tenantId);
    const removed = await admin.settings.delete.mutate({ category: 'security', key: 'ipAllowlist' });
    expect(removed.isSet).toBe(false);
    const [updated] = await auditEntries(api.database.db, tenant.tenantId, 'setting.updated');
    expect(updated?.details).toEqual({ before: { value: null }, after: { value: ['10.0.0.0/8', '127.0.0.1/32'] } });
    expect(await auditEntries(api.database.db, tenant.tenantId, 'setting.deleted')).toHaveLength(1);
    await expectRefused(admin.settings.delete.mutate({ category: 'security', key: 'ipAllowlist' }), 'NOT_FOUND');
  });

  it('encrypts secrets at rest, masks them, and reveals them only on an audited request', async () => {
    const admin = await clientAs(api, acme, 'admin');
    const saved = await admin.settings.set.mutate({
      category: 'notifications',
      key: 'webhookSigningSecret',
      value: 'whsec_0123456789abcdef',
    });
    expect(saved).toMatchObject({ isSecret: true, isSet: true, value: null });
    const row = await storedRow(acme.tenantId, 'webhookSigningSecret');
    expect(row?.isEncrypted).toBe(true);
    expect(row?.encryptionKeyId).toBe('test1');
    expect(JSON.stringify(row?.value)).not.toContain('whsec_0123456789abcdef');
    const listed = await admin.settings.list.query({ category: 'notifications' });
    expect(JSON.stringify(listed)).not.toContain('whsec_');

    expect(await admin.settings.reveal.mutate({ category: 'notifications', key: 'webhookSigningSecret' })).toEqual({
      value: 'whsec_0123456789abcdef',
    });
    expect(await auditEntries(api.database.db, acme.tenantId, 'setting.revealed')).toHaveLength(1);
    const [updated] = await auditEntries(api.database.db, acme.tenantId, 'setting.updated');
    expect(JSON.stringify(updated?.details)).not.toContain('whsec_');
    await expectRefused(
      admin.settings.reveal.mutate({ category: 'general', key: 'locale' }),
      'BAD_REQUEST',
      /not a secret/,
    );
  });

  it('a secret copied into another tenant does not decrypt there', async () => {
    const row = await storedRow(acme.tenantId, 'webhookSigningSecret');
    await api.database.db.inTenant(initech.tenantId, async (em) => {
      em.create(TenantSetting, {
        tenant: initech.tenantId,
        category: 'notifications',
        key: 'webhookSigningSecret',
        value: row?.value,
        isEncrypted: true,
        encryptionKeyId: 'test1',
      });
    });
    const admin = await clientAs(api, initech, 'admin');
    const { data } = await refusal(
      admin.settings.reveal.mutate({ category: 'notifications', key: 'webhookSigningSecret' }),
    );
    expect(data.code).toBe('INTERNAL_SERVER_ERROR');
  });

  it.each(['manager', 'member', 'viewer'] as const)('refuses set, delete and reveal to a %s', async (role) => {
    const client = await clientAs(api, acme, role);
    for (const call of [
      client.settings.set.mutate({ category: 'general', key: 'locale', value: 'fr' }),
      client.settings.delete.mutate({ category: 'general', key: 'locale' }),
      client.settings.reveal.mutate({ category: 'notifications', key: 'webhookSigningSecret' }),
    ]) {
      await expectRefused(call, 'FORBIDDEN', 'Missing permission: settings.manage');
    }
  });

  it('gates sso settings on sso and branding settings on custom_branding, per tier', async () => {
    const sso = { category: 'security', key: 'ssoProvider', value: 'oidc' } as const;
    const branding = { category: 'branding', key: 'accentColor', value: '#123456' } as const;
    const basic = await clientAs(api, globex, 'admin');
    const professional = await clientAs(api, acme, 'admin');
    const enterprise = await clientAs(api, initech, 'admin');
    expect((await expectRefused(basic.settings.set.mutate(sso), 'FORBIDDEN')).data.details).toMatchObject({
      feature: 'sso',
      requiredTier: 'enterprise',
    });
    expect((await expectRefused(basic.settings.set.mutate(branding), 'FORBIDDEN')).data.details).toMatchObject({
      feature: 'custom_branding',
      requiredTier: 'professional',
    });
    await expectRefused(
      professional.settings.set.mutate(sso),
      'FORBIDDEN',
      'Feature not available in your subscription',
    );
    expect((await professional.settings.set.mutate(branding)).value).toBe('#123456');
    expect((await enterprise.settings.set.mutate(sso)).value).toBe('oidc');
    expect((await enterprise.settings.set.mutate(branding)).value).toBe('#123456');
  });

  it("never shows or changes another tenant's settings", async () => {
    const globexAdmin = await clientAs(api, globex, 'admin');
    await globexAdmin.settings.set.mutate({ category: 'general', key: 'locale', value: 'de-DE' });
    const acmeAdmin = await clientAs(api, acme, 'admin');
    const locale = (await acmeAdmin.settings.list.query({ category: 'general' })).find((s) => s.key === 'locale');
    expect(locale).toMatchObject({ isSet: false, value: null });
    await acmeAdmin.settings.set.mutate({ category: 'general', key: 'locale', value: 'en-US' });
    expect((await storedRow(globex.tenantId, 'locale'))?.value).toBe('de-DE');
  });
});
