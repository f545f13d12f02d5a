import { randomUUID } from 'node:crypto';
import type { Role } from '@digame/core/members';
import { Tenant } from '@digame/core/tenants';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, clientAs, expectRefused, refusal, tenantUuid } from '../../testing/admin.js';
import { useTestApi } from '../../testing/test-api.js';

const api = useTestApi();
let acme: TenantFixture;
let globex: TenantFixture;
let initech: TenantFixture;
let platform: TenantFixture;
let globexId: string;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme', 'professional');
  globex = await createTenantWithMembers(api.database.db, 'Globex', 'basic');
  initech = await createTenantWithMembers(api.database.db, 'Initech', 'enterprise');
  platform = await createTenantWithMembers(api.database.db, 'Platform', 'enterprise');
  globexId = await tenantUuid(api.database.db, globex.tenantId);
});

const ROLES: Role[] = ['admin', 'manager', 'member', 'viewer'];

describe('tenants.get', () => {
  it.each(ROLES)('lets a %s read their organization, by its public id only', async (role) => {
    const tenant = await (await clientAs(api, acme, role)).tenants.get.query();
    expect(tenant.id).toBe(await tenantUuid(api.database.db, acme.tenantId));
    expect(tenant).toMatchObject({ slug: acme.slug, subscriptionTier: 'professional', isTrial: true, isActive: true });
    expect(tenant.limits).toEqual({ maxUsers: 50, storageLimitGb: 100, apiRateLimit: 5000 });
    expect(tenant.features.api_access).toBe(true);
    expect(JSON.stringify(tenant)).not.toContain(`"id":${acme.tenantId}`);
  });

  it("answers another tenant's id exactly like an unknown one", async () => {
    const admin = await clientAs(api, acme, 'admin');
    const other = await refusal(admin.tenants.get.query({ tenantId: globexId }));
    const unknown = await refusal(admin.tenants.get.query({ tenantId: randomUUID() }));
    expect(other.data.code).toBe('NOT_FOUND');
    expect(other.message).toBe(unknown.message);
    expect(other.data.httpStatus).toBe(unknown.data.httpStatus);
  });

  it('lets a platform operator read any tenant, recorded in that tenant’s audit log', async () => {
    const operator = await clientAs(api, platform, 'admin', { platformOperator: true });
    const tenant = await operator.tenants.get.query({ tenantId: globexId });
    expect(tenant.slug).toBe(globex.slug);
    const entries = await auditEntries(api.database.db, globex.tenantId, 'platform.tenant_accessed');
    expect(entries.at(-1)?.details).toEqual({ reason: 'operator call: tenants.get' });
  });
});

describe('tenants.update', () => {
  it('saves name, contact, regional settings and branding, and audits the changed fields', async () => {
    const admin = await clientAs(api, acme, 'admin');
    const updated = await admin.tenants.update.mutate({
      name: 'Acme Corporation',
      phone: '+1 555 123 4567',
      settings: { timezone: 'America/New_York', date_format: 'MM/DD/YYYY', currency: 'USD' },
      branding: { primary_color: '#007bff', logo_url: 'https://cdn.acme.com/logo.png' },
    });
    expect(updated.name).toBe('Acme Corporation');
    expect(updated.settings).toEqual({ timezone: 'America/New_York', date_format: 'MM/DD/YYYY', currency: 'USD' });
    expect(updated.branding).toEqual({ primary_color: '#007bff', logo_url: 'https://cdn.acme.com/logo.png' });
    const [entry] = await auditEntries(api.database.db, acme.tenantId, 'tenant.updated');
    expect(entry?.user?.id).toBe(acme.users.admin);
    expect(entry?.details).toMatchObject({
      before: { name: 'Acme', phone: null, settings: {} },
      after: { name: 'Acme Corporation', phone: '+1 555 123 4567' },
    });
    // A key set to null is removed; the other keys stay.
    const cleared = await admin.tenants.update.mutate({ settings: { currency: null } });
    expect(cleared.settings).toEqual({ timezone: 'America/New_York', date_format: 'MM/DD/YYYY' });
    // The cached facts the request path reads are refreshed after commit.
    expect((await admin.auth.whoami.query()).tenant.name).toBe('Acme Corporation');
  });

  it.each([
    [{ settings: { timezone: 'Mars/Olympus' } }, 'settings.timezone', /IANA time zone/],
    [{ settings: { currency: 'XYZ' } }, 'settings.currency', /ISO 4217/],
    [{ settings: { date_format: 'Y/M/D' } }, 'settings.date_format', /./],
    [{ branding: { primary_color: 'blue' } }, 'branding.primary_color', /#007bff/],
    [{ branding: { logo_url: 'http://insecure.example/logo.png' } }, 'branding.logo_url', /https/],
    [{ name: 'A' }, 'name', /at least 2/],
    [{ adminEmail: 'not-an-email' }, 'adminEmail', /email/],
    [{ domain: 'not a domain' }, 'domain', /domain/],
    [{ settings: { theme: 'dark' } }, 'settings', /./],
  ])('refuses %j with a field message', async (input, field, message) => {
    const admin = await clientAs(api, acme, 'admin');
    const { data } = await expectRefused(admin.tenants.update.mutate(input as never), 'BAD_REQUEST');
    expect(Object.keys(data.fields ?? {})).toContain(field);
    expect(data.fields?.[field]).toMatch(message);
  });

  it.each(['manager', 'member', 'viewer'] as const)('refuses a %s, naming the permission', async (role) => {
    const client = await clientAs(api, acme, role);
    await expectRefused(
      client.tenants.update.mutate({ name: 'Hijacked' }),
      'FORBIDDEN',
      'Missing permission: tenant.update',
    );
  });

  it('needs custom_branding for branding, pointing at the cheapest tier that has it', async () => {
    const admin = await clientAs(api, globex, 'admin');
    const { data, message } = await refusal(admin.tenants.update.mutate({ branding: { primary_color: '#ff0000' } }));
    expect(data.code).toBe('FORBIDDEN');
    expect(message).toBe('Feature not available in your subscription');
    expect(data.details).toMatchObject({ feature: 'custom_branding', requiredTier: 'professional' });
    // Everything else is allowed on basic.
    expect((await admin.tenants.update.mutate({ settings: { timezone: 'Europe/Paris' } })).settings).toEqual({
      timezone: 'Europe/Paris',
    });
  });

  it('refuses a domain another organization uses with CONFLICT', async () => {
    await (await clientAs(api, initech, 'admin')).tenants.update.mutate({ domain: 'initech.example.com' });
    const { data } = await expectRefused(
      (await clientAs(api, acme, 'admin')).tenants.update.mutate({ domain: 'INITECH.example.com' }),
      'CONFLICT',
      /already used/,
    );
    expect(data.fields).toEqual({ domain: 'already in use' });
  });

  it('cannot change another tenant: its id answers NOT_FOUND and nothing changes', async () => {
    const admin = await clientAs(api, acme, 'admin');
    await expectRefused(
      admin.tenants.update.mutate({ tenantId: globexId, name: 'Owned' }),
      'NOT_FOUND',
      'Tenant not found',
    );
    const globexRow = await api.database.db.inGlobal((em) => em.findOneOrFail(Tenant, { id: globex.tenantId }));
    expect(globexRow.name).toBe('Globex');
  });

  it('lets an operator update another tenant through the audited operator path', async () => {
    const operator = await clientAs(api, platform, 'admin', { platformOperator: true });
    const updated = await operator.tenants.update.mutate({ tenantId: globexId, adminName: 'Hank Scorpio' });
    expect(updated.adminName).toBe('Hank Scorpio');
    const entry = (await auditEntries(api.database.db, globex.tenantId, 'tenant.updated')).at(-1);
    expect(entry?.user?.id).toBe(platform.users.admin);
    expect(entry?.details).toMatchObject({ after: { adminName: 'Hank Scorpio' } });
  });
});

describe('tenants.list (operators)', () => {
  it('filters by tier, trial and activity, searches, and pages with a cursor', async () => {
    const operator = await clientAs(api, platform, 'admin', { platformOperator: true });
    const all = await operator.tenants.list.query({ limit: 100 });
    expect(all.items.map((tenant) => tenant.slug)).toEqual(
      expect.arrayContaining([acme.slug, globex.slug, initech.slug]),
    );
    expect((await operator.tenants.list.query({ tier: 'basic' })).items.map((tenant) => tenant.slug)).toEqual([
      globex.slug,
    ]);
    expect((await operator.tenants.list.query({ search: 'initech' })).items.map((tenant) => tenant.slug)).toEqual([
      initech.slug,
    ]);
    expect((await operator.tenants.list.query({ trial: false })).items).toEqual([]);
    expect((await operator.tenants.list.query({ active: true, limit: 100 })).items.length).toBe(all.items.length);

    const first = await operator.tenants.list.query({ limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await operator.tenants.list.query({ limit: 2, cursor: first.nextCursor ?? undefined });
    const seen = [...first.items, ...second.items].map((tenant) => tenant.id);
    expect(new Set(seen).size).toBe(seen.length);
    await expectRefused(operator.tenants.list.query({ cursor: '!!' }), 'BAD_REQUEST');
  });

  it.each(ROLES)('is refused to a tenant %s who is not an operator', async (role) => {
    await expectRefused((await clientAs(api, acme, role)).tenants.list.query({}), 'FORBIDDEN', /platform operators/);
  });
});

describe('suspension', () => {
  it('refuses a suspended tenant’s members with the reason, keeps its data, and lifts on reactivation', async () => {
    const suspended = await createTenantWithMembers(api.database.db, 'Hooli', 'professional');
    const hooliId = await tenantUuid(api.database.db, suspended.tenantId);
    const member = await clientAs(api, suspended, 'member');
    expect((await member.tenants.get.query()).isActive).toBe(true);

    const operator = await clientAs(api, platform, 'admin', { platformOperator: true });
    const result = await operator.tenants.suspend.mutate({ tenantId: hooliId, reason: 'Unpaid invoices' });
    expect(result).toMatchObject({ isActive: false, suspensionReason: 'Unpaid invoices' });
    await expectRefused(member.tenants.get.query(), 'FORBIDDEN', /suspended: Unpaid invoices/);
    const [entry] = await auditEntries(api.database.db, suspended.tenantId, 'tenant.suspended');
    expect(entry?.details).toMatchObject({ reason: 'Unpaid invoices' });

    const reactivated = await operator.tenants.reactivate.mutate({ tenantId: hooliId, reason: 'Paid in full' });
    expect(reactivated).toMatchObject({ isActive: true, suspensionReason: null });
    expect((await member.tenants.get.query()).name).toBe('Hooli');
    expect(await auditEntries(api.database.db, suspended.tenantId, 'tenant.reactivated')).toHaveLength(1);
  });

  it('is for operators only, and needs a reason and a known tenant', async () => {
    const admin = await clientAs(api, globex, 'admin');
    await expectRefused(admin.tenants.suspend.mutate({ tenantId: globexId, reason: 'Because' }), 'FORBIDDEN');
    await expectRefused(admin.tenants.reactivate.mutate({ tenantId: globexId, reason: 'Because' }), 'FORBIDDEN');
    const operator = await clientAs(api, platform, 'admin', { platformOperator: true });
    await expectRefused(operator.tenants.suspend.mutate({ tenantId: randomUUID(), reason: 'Because' }), 'NOT_FOUND');
    const { data } = await expectRefused(
      operator.tenants.suspend.mutate({ tenantId: globexId, reason: '' }),
      'BAD_REQUEST',
    );
    expect(data.fields?.reason).toMatch(/say why/);
  });
});
