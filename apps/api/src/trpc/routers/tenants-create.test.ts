import { TenantUser } from '@digame/core/members';
import { createTenantWithMembers } from '@digame/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiDeps } from '../../deps.js';
import {
  auditActions,
  enqueuedEmails,
  GOOD_PASSWORD,
  refusedWith,
  setUserPassword,
  tokenFromEmail,
} from '../../testing/identity.js';
import { serveTestApp, useTestApi } from '../../testing/test-api.js';

const api = useTestApi();

async function membersOf(tenantUuid: string) {
  const [row] = await api.database.db.inGlobal((em) =>
    em.execute<{ id: number }[]>('select id from tenants where tenant_uuid = ?', [tenantUuid]),
  );
  const tenantId = row?.id ?? 0;
  const members = await api.database.db.inTenant(tenantId, (em) => em.find(TenantUser, {}, { populate: ['user'] }));
  return { tenantId, members: members.map((m) => [m.user.email, m.role]) };
}

describe('creating an organization (self-serve)', () => {
  it('provisions the tenant with its tier, makes the admin, audits it and emails a set-password link', async () => {
    const created = await api.client().tenants.create.mutate({
      name: 'Acme Corporation',
      adminEmail: 'Founder@Acme-Create.test',
      adminName: 'Ada Founder',
      subscriptionTier: 'professional',
    });
    expect(created.tenant).toMatchObject({
      name: 'Acme Corporation',
      domain: null,
      subscriptionTier: 'professional',
      isTrial: true,
      adminEmail: 'founder@acme-create.test',
    });
    expect(created.tenant.slug).toMatch(/^acme-corporation-[a-z2-9]{6}$/);

    const { tenantId, members } = await membersOf(created.tenant.id);
    expect(members).toEqual([['founder@acme-create.test', 'admin']]);
    expect((await auditActions(api.database.db, tenantId, 'tenant.created'))[0]).toMatchObject({
      resourceId: created.tenant.id,
      ipAddress: '127.0.0.1',
    });

    const welcome = (await enqueuedEmails(api)).find((mail) => mail.to === 'founder@acme-create.test');
    expect(welcome).toMatchObject({
      template: 'welcome',
      tenantId,
      data: { tenantName: 'Acme Corporation', recipientName: 'Ada Founder' },
    });
    const token = await tokenFromEmail(api, 'founder@acme-create.test', 'welcome');
    await api.client().auth.setPassword.mutate({ token, password: GOOD_PASSWORD });
    expect((await refusedWith(api.client().auth.setPassword.mutate({ token, password: GOOD_PASSWORD }))).code).toBe(
      'BAD_REQUEST',
    );
    const signedIn = await api
      .client()
      .auth.signIn.mutate({ email: 'founder@acme-create.test', password: GOOD_PASSWORD });
    expect(signedIn).toMatchObject({ status: 'signed_in', role: 'admin', tenant: { id: created.tenant.id } });
    expect((await auditActions(api.database.db, tenantId, 'auth.password_set')).length).toBe(1);
  });

  it('answers alike whether or not the admin address has an account; the email tells its owner', async () => {
    const existing = await createTenantWithMembers(api.database.db, 'Oracle Owner');
    const signUp = (adminEmail: string) =>
      api.client().tenants.create.mutate({ name: 'Oracle Probe', adminEmail, adminName: 'Probe' });
    const known = await signUp('admin@oracle-owner.test');
    const unknown = await signUp('nobody-here@oracle-owner.test');
    const shape = (created: typeof known) => ({
      ...created,
      tenant: {
        ...created.tenant,
        id: 'id',
        slug: 'slug',
        adminEmail: 'email',
        createdAt: 't',
        updatedAt: 't',
        trialEndsAt: 't',
      },
    });
    expect(shape(known)).toEqual(shape(unknown));
    expect(Object.keys(known)).toEqual(['tenant']);
    expect(JSON.stringify(known)).not.toContain(existing.users.admin);
    const mails = await enqueuedEmails(api);
    expect(mails.find((mail) => mail.to === 'admin@oracle-owner.test')?.template).toBe('invitation');
    expect(mails.find((mail) => mail.to === 'nobody-here@oracle-owner.test')?.template).toBe('welcome');
  });

  it('links an existing account when its owner creates the organization, and sends a sign-in link', async () => {
    const existing = await createTenantWithMembers(api.database.db, 'Existing Owner');
    await setUserPassword(api.database.db, existing.users.admin);
    const token = await api.sessionToken({ tenantId: existing.tenantId, userId: existing.users.admin, role: 'admin' });
    const created = await api.client(token).tenants.create.mutate({
      name: 'Second Venture',
      adminEmail: 'admin@existing-owner.test',
      adminName: 'Existing Owner Admin',
    });
    expect((await membersOf(created.tenant.id)).members).toEqual([['admin@existing-owner.test', 'admin']]);
    expect(created.tenant.subscriptionTier).toBe('basic');
    const welcome = (await enqueuedEmails(api)).find(
      (mail) => mail.to === 'admin@existing-owner.test' && mail.template === 'welcome',
    );
    expect((welcome?.data as { setPasswordUrl?: string } | undefined)?.setPasswordUrl).toBe(
      `http://localhost:5173/sign-in?tenant=${created.tenant.slug}`,
    );
    // The existing password still works and now reaches the new organization too.
    const outcome = await api.client().auth.signIn.mutate({
      email: 'admin@existing-owner.test',
      password: GOOD_PASSWORD,
      tenant: created.tenant.slug,
    });
    expect(outcome).toMatchObject({ status: 'signed_in', role: 'admin' });
  });

  it('a signed-in member creating another organization is self-serve too: no Enterprise trial, no domain claims', async () => {
    const member = await createTenantWithMembers(api.database.db, 'Signed In Founder');
    const client = api.client(
      await api.sessionToken({ tenantId: member.tenantId, userId: member.users.admin, role: 'admin' }),
    );
    const base = { name: 'Founder Two', adminEmail: 'admin@signed-in-founder.test', adminName: 'Founder' };
    expect(await refusedWith(client.tenants.create.mutate({ ...base, subscriptionTier: 'enterprise' }))).toMatchObject({
      code: 'BAD_REQUEST',
      fields: { subscriptionTier: expect.stringMatching(/platform operator/) },
    });
    // Asked by a member, a domain another organization holds answers like any other domain.
    await api.database.db.inTenant(member.tenantId, (em) =>
      em.execute("update tenants set domain = 'held-elsewhere.test' where id = ?", [member.tenantId]),
    );
    const held = await refusedWith(client.tenants.create.mutate({ ...base, domain: 'held-elsewhere.test' }));
    const free = await refusedWith(client.tenants.create.mutate({ ...base, domain: 'nobody-has-this.test' }));
    expect(held).toMatchObject({ code: 'BAD_REQUEST', fields: { domain: expect.any(String) } });
    expect(held).toEqual(free);
    const created = await client.tenants.create.mutate({ ...base, subscriptionTier: 'professional' });
    expect(created.tenant).toMatchObject({ subscriptionTier: 'professional', isTrial: true });
  });

  it('an API key does not link its creator as admin: the account is invited, as for a stranger', async () => {
    const owner = await createTenantWithMembers(api.database.db, 'Key Owner', 'professional');
    const admin = api.client(
      await api.sessionToken({ tenantId: owner.tenantId, userId: owner.users.admin, role: 'admin' }),
    );
    const { key } = await admin.apiKeys.create.mutate({ name: 'script', scopes: ['tenant.read'] });
    const created = await api.client(key).tenants.create.mutate({
      name: 'Keyed Co',
      adminEmail: 'admin@key-owner.test',
      adminName: 'Key Owner Admin',
    });
    expect((await membersOf(created.tenant.id)).members).toEqual([]);
    const mails = (await enqueuedEmails(api)).filter((mail) => mail.to === 'admin@key-owner.test');
    expect(mails.map((mail) => mail.template)).toContain('invitation');
  });

  it('only invites an existing account when a stranger names it as admin: no membership without consent', async () => {
    const victim = await createTenantWithMembers(api.database.db, 'Victim Owner');
    await setUserPassword(api.database.db, victim.users.admin);
    const created = await api.client().tenants.create.mutate({
      name: 'Hijack Co',
      adminEmail: 'admin@victim-owner.test',
      adminName: 'Not The Owner',
    });
    expect((await membersOf(created.tenant.id)).members).toEqual([]);
    const mails = (await enqueuedEmails(api)).filter((mail) => mail.to === 'admin@victim-owner.test');
    expect(mails.map((mail) => mail.template)).toEqual(['invitation']);
    // Until the owner accepts, their password does not reach the new organization.
    await expect(
      api
        .client()
        .auth.signIn.mutate({ email: 'admin@victim-owner.test', password: GOOD_PASSWORD, tenant: created.tenant.slug }),
    ).rejects.toThrow();
    const home = await api.client().auth.signIn.mutate({ email: 'admin@victim-owner.test', password: GOOD_PASSWORD });
    expect(home).toMatchObject({ status: 'signed_in' });
  });

  it('self-serve may not claim a domain or slug, nor start an Enterprise trial: the same refusal whatever exists', async () => {
    const operatorTenant = await createTenantWithMembers(api.database.db, 'Domain Holder');
    const operator = api.client(
      await api.sessionToken({
        tenantId: operatorTenant.tenantId,
        userId: operatorTenant.users.admin,
        role: 'admin',
        platformOperator: true,
      }),
    );
    await operator.tenants.create.mutate({
      name: 'Taken',
      adminEmail: 'a@taken.test',
      adminName: 'A',
      domain: 'taken.test',
      slug: 'taken-co',
    });
    const anonymous = (input: { domain?: string; slug?: string; subscriptionTier?: 'enterprise' }) =>
      refusedWith(
        api.client().tenants.create.mutate({ name: 'Other', adminEmail: 'b@x.test', adminName: 'B', ...input }),
      );
    const takenDomain = await anonymous({ domain: 'taken.test' });
    const freeDomain = await anonymous({ domain: 'free-domain.test' });
    expect(takenDomain).toEqual(freeDomain);
    expect(takenDomain).toMatchObject({ code: 'BAD_REQUEST', fields: { domain: expect.any(String) } });
    expect(await anonymous({ slug: 'taken-co' })).toEqual(await anonymous({ slug: 'free-co' }));
    expect(await anonymous({ subscriptionTier: 'enterprise' })).toMatchObject({
      code: 'BAD_REQUEST',
      fields: { subscriptionTier: expect.stringMatching(/platform operator/) },
    });
    // A platform operator claims domains and slugs, and hears when one is taken.
    expect(
      await refusedWith(
        operator.tenants.create.mutate({
          name: 'Other',
          adminEmail: 'b@x.test',
          adminName: 'B',
          domain: 'TAKEN.test',
        }),
      ),
    ).toMatchObject({ code: 'CONFLICT', fields: { domain: 'is already taken' } });
    expect(
      await refusedWith(
        operator.tenants.create.mutate({ name: 'Other', adminEmail: 'b@x.test', adminName: 'B', slug: 'taken-co' }),
      ),
    ).toMatchObject({ code: 'CONFLICT', fields: { slug: 'is already taken' } });
    const bad = await refusedWith(
      api.client().tenants.create.mutate({
        name: 'x',
        adminEmail: 'not-an-email',
        adminName: 'B',
        // @ts-expect-error deliberately unknown tier
        subscriptionTier: 'platinum',
        domain: 'not a domain',
      }),
    );
    expect(bad.code).toBe('BAD_REQUEST');
    expect(Object.keys(bad.fields ?? {}).sort()).toEqual(['adminEmail', 'domain', 'name', 'subscriptionTier']);
  });
});

describe('self-serve limits', () => {
  let closed: Awaited<ReturnType<typeof createApiDeps>>;
  let closedUrl: { url: string; close(): void };
  let limited: Awaited<ReturnType<typeof createApiDeps>>;
  let limitedUrl: { url: string; close(): void };

  beforeAll(async () => {
    closed = await createApiDeps({ ...api.config, SELF_SERVE_SIGNUP: 'closed' });
    closedUrl = await serveTestApp(closed);
    limited = await createApiDeps({
      ...api.config,
      REDIS_PREFIX: `${api.config.REDIS_PREFIX}-limited`,
      SIGNUP_RATE_LIMIT_PER_HOUR: 2,
    });
    limitedUrl = await serveTestApp(limited);
  });

  afterAll(async () => {
    closedUrl.close();
    limitedUrl.close();
    await closed.close();
    await limited.close();
  });

  async function create(url: string, name: string, token?: string) {
    const response = await fetch(`${url}/trpc/tenants.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({
        name,
        adminEmail: `owner@${name.toLowerCase().replaceAll(' ', '-')}.test`,
        adminName: 'Owner',
      }),
    });
    return { status: response.status, body: (await response.json()) as { error?: { message: string } } };
  }

  it('when sign-up is closed, only platform operators create organizations', async () => {
    const anonymous = await create(closedUrl.url, 'Closed Shop');
    expect(anonymous.status).toBe(403);
    expect(anonymous.body.error?.message).toMatch(/Self-serve sign-up is closed/);
    const ops = await createTenantWithMembers(api.database.db, 'Closed Ops');
    const memberToken = await api.sessionToken({ tenantId: ops.tenantId, userId: ops.users.member, role: 'member' });
    expect((await create(closedUrl.url, 'Closed Member', memberToken)).status).toBe(403);
    const operatorToken = await api.sessionToken({
      tenantId: ops.tenantId,
      userId: ops.users.admin,
      role: 'admin',
      platformOperator: true,
    });
    expect((await create(closedUrl.url, 'Closed Operator', operatorToken)).status).toBe(200);
  });

  it('limits organizations per address per hour', async () => {
    expect((await create(limitedUrl.url, 'Limited One')).status).toBe(200);
    expect((await create(limitedUrl.url, 'Limited Two')).status).toBe(200);
    const third = await create(limitedUrl.url, 'Limited Three');
    expect(third.status).toBe(429);
    expect(third.body.error?.message).toMatch(/Too many organizations/);
  });
});
