/**
 * A reviewer's attacks across tenants and roles, against the running api: every one must be refused
 * cleanly (NOT_FOUND like a missing resource, FORBIDDEN naming what is missing, BAD_REQUEST with
 * field messages, never a 500) and change nothing.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { ApiKey, AuthSession } from '@digame/core/auth';
import { TenantInvitation } from '@digame/core/invitations';
import { TenantUser } from '@digame/core/members';
import { TenantSetting } from '@digame/core/settings';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { membershipsOf } from '@digame/core/users';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientAs, expectRefused, invitationTokenFor, refusal, tenantUuid } from './testing/admin.js';
import { emailOf, GOOD_PASSWORD, postTrpc, setUserPassword } from './testing/identity.js';
import { useTestApi } from './testing/test-api.js';

const api = useTestApi();
let acme: TenantFixture;
let globex: TenantFixture;
let basic: TenantFixture;
let globexUuid: string;
let acmeUuid: string;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme Attack', 'enterprise');
  globex = await createTenantWithMembers(api.database.db, 'Globex Attack', 'enterprise');
  basic = await createTenantWithMembers(api.database.db, 'Basic Attack', 'basic');
  acmeUuid = await tenantUuid(api.database.db, acme.tenantId);
  globexUuid = await tenantUuid(api.database.db, globex.tenantId);
});

async function memberIdOf(tenant: TenantFixture, role: keyof TenantFixture['users']): Promise<string> {
  return api.database.db.inTenant(tenant.tenantId, async (em) => {
    const member = await em.findOneOrFail(TenantUser, { user: tenant.users[role] });
    return member.id;
  });
}

/** Everything an attack on a tenant could change, to compare before and after. */
async function snapshot(tenant: TenantFixture) {
  return api.database.db.inTenant(tenant.tenantId, async (em) => ({
    members: (await em.find(TenantUser, {}, { orderBy: { id: 'asc' } })).map((m) => ({
      id: m.id,
      role: m.role,
      isActive: m.isActive,
      permissions: m.permissions,
    })),
    invitations: (await em.find(TenantInvitation, {}, { orderBy: { id: 'asc' } })).map((i) => ({
      id: i.id,
      hash: i.invitationTokenHash,
      acceptedAt: i.acceptedAt,
      revokedAt: i.revokedAt,
      expiresAt: i.expiresAt,
    })),
    settings: (await em.find(TenantSetting, {}, { orderBy: { key: 'asc' } })).map((s) => [s.key, s.value]),
    apiKeys: (await em.find(ApiKey, {}, { orderBy: { id: 'asc' } })).map((k) => [k.id, k.revokedAt]),
    sessions: (await em.find(AuthSession, {}, { orderBy: { id: 'asc' } })).map((s) => [s.id, s.revokedAt]),
  }));
}

/**
 * One request on its own connection: the server answers an oversized body before reading it all
 * and closes, which a pooled fetch reports as a socket error instead of the answer.
 */
function sendOnce(url: string, method: string, headers: Record<string, string>, body: string) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const outgoing = request(
      url,
      { method, headers: { ...headers, connection: 'close' }, agent: false },
      (incoming) => {
        let text = '';
        incoming.on('data', (chunk) => {
          text += chunk;
        });
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, text }));
      },
    );
    // The server may hang up mid-upload once it has answered.
    outgoing.on('error', (error) => (outgoing.writableEnded ? undefined : reject(error)));
    outgoing.end(body);
  });
}

/** What no response may ever carry. */
function expectNoInternals(text: string) {
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\.ts:\d+/); // stack frames
  expect(text).not.toMatch(/\b(select|insert|update|delete) .* (from|into|set) /i); // SQL text
  expect(text).not.toMatch(/\$argon2|password_?hash|token_?hash|secret_?hash/i);
}

describe('another tenant’s ids in every procedure', () => {
  it('answer NOT_FOUND like unknown ids and change nothing there', async () => {
    const globexAdmin = await clientAs(api, globex, 'admin');
    const invitation = await globexAdmin.invitations.create.mutate({ email: 'target@globex-attack.test' });
    const key = await globexAdmin.apiKeys.create.mutate({ name: 'Globex key', scopes: ['usage.read'] });
    await globexAdmin.settings.set.mutate({ category: 'general', key: 'supportEmail', value: 'help@globex.test' });
    await globexAdmin.settings.set.mutate({
      category: 'notifications',
      key: 'webhookSigningSecret',
      value: 'globex-signing-secret-0123456789',
    });
    const globexSession = await api.database.db.inTenant(globex.tenantId, (em) =>
      em.findOneOrFail(AuthSession, { revokedAt: null }),
    );
    const before = await snapshot(globex);

    const admin = await clientAs(api, acme, 'admin');
    const globexMember = await memberIdOf(globex, 'member');
    const globexAdminMember = await memberIdOf(globex, 'admin');
    for (const call of [
      () => admin.members.changeRole.mutate({ memberId: globexMember, role: 'viewer' }),
      () => admin.members.setPermissions.mutate({ memberId: globexMember, grant: ['billing.read'] }),
      () => admin.members.deactivate.mutate({ memberId: globexAdminMember }),
      () => admin.members.reactivate.mutate({ memberId: globexMember }),
      () => admin.members.remove.mutate({ memberId: globexMember }),
      () => admin.invitations.resend.mutate({ invitationId: invitation.id }),
      () => admin.invitations.revoke.mutate({ invitationId: invitation.id }),
      () => admin.apiKeys.revoke.mutate({ id: key.apiKey.id }),
      () => admin.sessions.revoke.mutate({ sessionId: globexSession.id }),
      () => admin.members.list.query({ tenantId: globexUuid }),
      () => admin.tenants.get.query({ tenantId: globexUuid }),
      () => admin.tenants.update.mutate({ tenantId: globexUuid, name: 'Pwned' }),
      () => admin.invitations.create.mutate({ tenantId: globexUuid, email: 'spy@acme.test', role: 'admin' }),
      () => admin.usage.get.query({ tenantId: globexUuid }),
      () => admin.billing.summary.query({ tenantId: globexUuid }),
      () => admin.features.list.query({ tenantId: globexUuid }),
    ]) {
      const refused = await refusal(call());
      expect(refused.data.code, refused.message).toBe('NOT_FOUND');
      expect(refused.message).not.toMatch(/globex/i);
    }
    // Reads with another tenant's ids as filters find nothing of theirs.
    expect(await admin.sessions.list.query({ userId: globex.users.admin })).toEqual([]);
    expect(await admin.sessions.revokeAll.mutate({ userId: globex.users.admin })).toEqual({ revoked: 0 });
    expect((await admin.audit.list.query({ actorUserId: globex.users.admin })).items).toEqual([]);
    expect((await admin.audit.list.query({ resourceId: invitation.id })).items).toEqual([]);
    expect(
      (await admin.members.list.query({ cursor: globexMember })).items.every((m) =>
        m.email.endsWith('acme-attack.test'),
      ),
    ).toBe(true);
    await expectRefused(
      admin.settings.reveal.mutate({ category: 'notifications', key: 'webhookSigningSecret' }),
      'NOT_FOUND',
    );

    expect(await snapshot(globex)).toEqual(before);
    // The Globex key and session still work.
    expect((await api.client(key.key).auth.whoami.query()).tenant.id).toBe(globexUuid);
  });

  it('REST paths and bodies naming another tenant answer 404 and change nothing', async () => {
    const token = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.admin, role: 'admin' });
    const before = await snapshot(globex);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    for (const [method, path, body] of [
      ['GET', `/api/tenants/${globexUuid}`, undefined],
      ['PUT', `/api/tenants/${globexUuid}`, { name: 'Pwned' }],
      ['GET', `/api/tenants/${globexUuid}/users`, undefined],
      ['GET', `/api/tenants/${globexUuid}/usage`, undefined],
      ['POST', `/api/tenants/${globexUuid}/invitations`, { email: 'spy@acme.test', role: 'admin' }],
    ] as const) {
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers,
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      expectNoInternals(text);
      expect(text).not.toMatch(/Globex/);
      expect([400, 404]).toContain(response.status);
    }
    // A body naming the other tenant does not beat the path: the change lands in the caller's own.
    const own = await fetch(`${api.url}/api/tenants/${acmeUuid}/invitations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ tenantId: globexUuid, email: 'body-override@acme.test' }),
    });
    expect(own.status).toBe(201);
    expect(await snapshot(globex)).toEqual(before);
    expect((await (await clientAs(api, globex, 'admin')).tenants.get.query()).name).toBe('Globex Attack');
    const acmeInvites = await (await clientAs(api, acme, 'admin')).invitations.list.query();
    expect(acmeInvites.map((i) => i.email)).toContain('body-override@acme.test');
  });
});

describe('roles within a tenant', () => {
  it('a manager cannot make themselves or anyone an admin, nor grant what they lack', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Escalate Co', 'enterprise');
    const adminInvitation = await (await clientAs(api, tenant, 'admin')).invitations.create.mutate({
      email: 'co-admin@escalate.test',
      role: 'admin',
    });
    const manager = await clientAs(api, tenant, 'manager');
    const before = await snapshot(tenant);
    const self = await memberIdOf(tenant, 'manager');
    const member = await memberIdOf(tenant, 'member');
    const admin = await memberIdOf(tenant, 'admin');
    for (const [call, permission] of [
      [() => manager.members.changeRole.mutate({ memberId: self, role: 'admin' }), 'billing.manage'],
      [() => manager.members.changeRole.mutate({ memberId: member, role: 'admin' }), 'billing.manage'],
      [() => manager.members.setPermissions.mutate({ memberId: self, grant: ['billing.manage'] }), 'billing.manage'],
      [() => manager.members.setPermissions.mutate({ memberId: member, grant: ['audit.read'] }), 'audit.read'],
      [() => manager.members.setPermissions.mutate({ memberId: admin, deny: ['users.manage'] }), 'billing.manage'],
      [() => manager.members.deactivate.mutate({ memberId: admin }), 'billing.manage'],
      [() => manager.members.remove.mutate({ memberId: admin }), 'billing.manage'],
      [() => manager.invitations.create.mutate({ email: 'boss@escalate.test', role: 'admin' }), 'billing.manage'],
      [() => manager.invitations.resend.mutate({ invitationId: adminInvitation.id }), 'billing.manage'],
      [() => manager.invitations.revoke.mutate({ invitationId: adminInvitation.id }), 'billing.manage'],
      [() => manager.apiKeys.create.mutate({ name: 'x', scopes: ['users.manage'] }), 'apikeys.manage'],
    ] as const) {
      const refused = await refusal(call());
      expect(refused.data.code, refused.message).toBe('FORBIDDEN');
      expect(refused.message).toContain(permission);
    }
    expect(await snapshot(tenant)).toEqual(before);
    // Invitations within the manager's own reach stay theirs to withdraw.
    const invited = await manager.invitations.create.mutate({ email: 'helper@escalate.test', role: 'member' });
    expect((await manager.invitations.revoke.mutate({ invitationId: invited.id })).status).toBe('revoked');
  });

  it('a manager cannot end or inspect an admin’s sessions (they do not outrank them)', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Kickout Co', 'enterprise');
    const adminToken = await api.sessionToken({ tenantId: tenant.tenantId, userId: tenant.users.admin, role: 'admin' });
    const manager = await clientAs(api, tenant, 'manager');
    const adminSession = await api.database.db.inTenant(tenant.tenantId, (em) =>
      em.findOneOrFail(AuthSession, { user: tenant.users.admin, revokedAt: null }),
    );
    const before = await snapshot(tenant);
    for (const call of [
      () => manager.sessions.list.query({ userId: tenant.users.admin }),
      () => manager.sessions.revokeAll.mutate({ userId: tenant.users.admin }),
      () => manager.sessions.revoke.mutate({ sessionId: adminSession.id }),
    ]) {
      const refused = await refusal(call());
      expect(refused.data.code, refused.message).toBe('FORBIDDEN');
      expect(refused.message).toMatch(/billing\.manage/);
    }
    expect(await snapshot(tenant)).toEqual(before);
    expect((await api.client(adminToken).auth.whoami.query()).role).toBe('admin');
    // Members below the manager stay theirs to manage.
    await api.sessionToken({ tenantId: tenant.tenantId, userId: tenant.users.member, role: 'member' });
    expect(await manager.sessions.list.query({ userId: tenant.users.member })).toHaveLength(1);
    expect(await manager.sessions.revokeAll.mutate({ userId: tenant.users.member })).toEqual({ revoked: 1 });
  });

  it('a viewer mutates nothing, and a member reads no audit log, billing or secret', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Readonly Co', 'enterprise');
    const admin = await clientAs(api, tenant, 'admin');
    const invitation = await admin.invitations.create.mutate({ email: 'pending@readonly.test' });
    await admin.settings.set.mutate({
      category: 'notifications',
      key: 'webhookSigningSecret',
      value: 'readonly-signing-secret-0123456789',
    });
    const viewer = await clientAs(api, tenant, 'viewer');
    const member = await clientAs(api, tenant, 'member');
    const before = await snapshot(tenant);
    const memberId = await memberIdOf(tenant, 'member');
    for (const [call, permission] of [
      [() => viewer.tenants.update.mutate({ name: 'Viewer was here' }), 'tenant.update'],
      [() => viewer.settings.set.mutate({ category: 'general', key: 'weekStart', value: 'sunday' }), 'settings.manage'],
      [
        () => viewer.settings.delete.mutate({ category: 'notifications', key: 'webhookSigningSecret' }),
        'settings.manage',
      ],
      [() => viewer.members.changeRole.mutate({ memberId, role: 'viewer' }), 'users.manage'],
      [() => viewer.members.list.query({}), 'users.read'],
      [() => viewer.invitations.create.mutate({ email: 'friend@readonly.test' }), 'users.invite'],
      [() => viewer.invitations.revoke.mutate({ invitationId: invitation.id }), 'users.invite'],
      [() => viewer.billing.changeTier.mutate({ tier: 'basic' }), 'billing.manage'],
      [() => viewer.apiKeys.create.mutate({ name: 'k', scopes: ['tenant.read'] }), 'apikeys.manage'],
      [() => member.audit.list.query({}), 'audit.read'],
      [() => member.billing.summary.query(), 'billing.read'],
      [
        () => member.settings.reveal.mutate({ category: 'notifications', key: 'webhookSigningSecret' }),
        'settings.manage',
      ],
      [() => member.apiKeys.list.query(), 'apikeys.manage'],
      [() => member.invitations.list.query(), 'users.invite'],
    ] as const) {
      const refused = await refusal(call());
      expect(refused.data.code, refused.message).toBe('FORBIDDEN');
      expect(refused.message).toContain(permission);
    }
    // The masked list never carries the secret.
    const listed = await member.settings.list.query();
    expect(JSON.stringify(listed)).not.toContain('readonly-signing-secret');
    expect(await snapshot(tenant)).toEqual(before);
  });

  it('an API key acts within its scopes only, and cannot manage people or sessions', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Scoped Key Co', 'enterprise');
    const admin = await clientAs(api, tenant, 'admin');
    const { key } = await admin.apiKeys.create.mutate({ name: 'ops', scopes: ['users.manage', 'users.read'] });
    const before = await snapshot(tenant);
    const bot = api.client(key);
    const viewerId = await memberIdOf(tenant, 'viewer');
    // Promoting even a viewer involves permissions the key lacks.
    await expectRefused(bot.members.changeRole.mutate({ memberId: viewerId, role: 'manager' }), 'FORBIDDEN');
    await expectRefused(bot.members.setPermissions.mutate({ memberId: viewerId, grant: ['users.read'] }), 'FORBIDDEN');
    await expectRefused(bot.sessions.revokeAll.mutate({ userId: tenant.users.admin }), 'FORBIDDEN', /API keys/);
    await expectRefused(bot.auth.switchTenant.mutate({ tenantId: acmeUuid }), 'FORBIDDEN', /API keys/);
    await expectRefused(bot.apiKeys.create.mutate({ name: 'child', scopes: ['users.read'] }), 'FORBIDDEN');
    expect(await snapshot(tenant)).toEqual(before);
  });
});

const compact = (uuid: string) => uuid.replaceAll('-', '');

describe('credentials and tokens with an edited tenant segment', () => {
  const secret = () => randomBytes(32).toString('base64url');
  const hex = (bytes: number) => randomBytes(bytes).toString('hex');

  it('an API key, refresh token or invitation naming an unknown or malformed tenant is refused, never a 500', async () => {
    for (const tenantSegment of ['2147483648', String(globex.tenantId), hex(16), 'f'.repeat(32)]) {
      const key = `dgk_${tenantSegment}_${hex(8)}_${secret()}`;
      const whoami = await refusal(api.client(key).auth.whoami.query());
      expect(whoami.data.code).toBe('UNAUTHORIZED');
      const refresh = await refusal(
        api.client().auth.refresh.mutate({ refreshToken: `dgr_${tenantSegment}_${hex(16)}_${secret()}` }),
      );
      expect(refresh.data.code).toBe('UNAUTHORIZED');
      const preview = await refusal(
        api.client().invitations.preview.query({ token: `inv_${tenantSegment}_${secret()}` }),
      );
      expect(preview.data.code).toBe('NOT_FOUND');
    }
  });

  it('a refresh token of tenant A relabelled with tenant B, or pointing at B’s session, does not open it', async () => {
    const user = globex.users.member;
    await setUserPassword(api.database.db, user);
    const signedIn = await api.client().auth.signIn.mutate({
      email: await emailOf(api.database.db, user),
      password: GOOD_PASSWORD,
      tenant: globex.slug,
      refreshTokenDelivery: 'body',
    });
    if (signedIn.status !== 'signed_in' || !signedIn.refreshToken) throw new Error('expected a session');
    const relabelled = signedIn.refreshToken.replace(
      `dgr_${compact(globex.tenantUuid)}_`,
      `dgr_${compact(acme.tenantUuid)}_`,
    );
    await expectRefused(api.client().auth.refresh.mutate({ refreshToken: relabelled }), 'UNAUTHORIZED');
    // The original still works once: the relabelled attempt did not burn or end it.
    const rotated = await api.client().auth.refresh.mutate({ refreshToken: signedIn.refreshToken });
    expect(rotated.tenant.id).toBe(globexUuid);
  });

  it('switching into a tenant the user does not belong to is refused like an unknown one', async () => {
    const member = await clientAs(api, acme, 'member');
    const foreign = await refusal(member.auth.switchTenant.mutate({ tenantId: globexUuid }));
    const unknown = await refusal(member.auth.switchTenant.mutate({ tenantId: randomUUID() }));
    expect(foreign.data.code).toBe('FORBIDDEN');
    expect(foreign).toEqual({ ...unknown, data: { ...unknown.data } });
    const memberships = await member.auth.memberships.query();
    expect(memberships.map((m) => m.tenantId)).toEqual([acmeUuid]);
  });
});

describe('invitations against the wrong person or tenant', () => {
  it('cannot be accepted by a signed-in user it was not sent to, nor by anyone else creating an account', async () => {
    const admin = await clientAs(api, acme, 'admin');
    await admin.invitations.create.mutate({ email: 'invitee@elsewhere.test', role: 'manager' });
    const token = await invitationTokenFor(api, 'invitee@elsewhere.test');
    const before = await snapshot(acme);

    // A Globex member who got hold of the link, signed in as themselves.
    const intruder = await clientAs(api, globex, 'member');
    const mismatch = await refusal(intruder.invitations.accept.mutate({ token }));
    expect(mismatch.data.code).toBe('FORBIDDEN');
    expect(mismatch.data.details).toMatchObject({ reason: 'invitation_email_mismatch' });
    // The token with its tenant segment pointed at Globex opens nothing there.
    const relabelled = token.replace(`inv_${compact(acme.tenantUuid)}_`, `inv_${compact(globex.tenantUuid)}_`);
    await expectRefused(
      api.client().invitations.accept.mutate({ token: relabelled, fullName: 'X', password: GOOD_PASSWORD }),
      'NOT_FOUND',
    );
    await expectRefused(api.client().invitations.preview.query({ token: relabelled }), 'NOT_FOUND');
    expect(await snapshot(acme)).toEqual(before);
    // An existing account with a password must sign in first: nobody takes it over through the link.
    await admin.invitations.create.mutate({ email: 'member@globex-attack.test', role: 'admin' });
    await setUserPassword(api.database.db, globex.users.member, 'an-old password of the victim');
    const victimToken = await invitationTokenFor(api, 'member@globex-attack.test');
    const takeover = await refusal(
      api.client().invitations.accept.mutate({ token: victimToken, fullName: 'Attacker', password: GOOD_PASSWORD }),
    );
    expect(takeover.data.code).toBe('UNAUTHORIZED');
    const victim = await api.client().auth.signIn.mutate({
      email: 'member@globex-attack.test',
      password: 'an-old password of the victim',
      tenant: globex.slug,
    });
    expect(victim.status).toBe('signed_in');
  });
});

describe('operator powers cannot be claimed', () => {
  it('an operator flag or another tenant in the input is refused, and operator procedures stay closed', async () => {
    const admin = await clientAs(api, acme, 'admin');
    await expectRefused(admin.tenants.list.query({}), 'FORBIDDEN', /platform operators/);
    await expectRefused(admin.tenants.suspend.mutate({ tenantId: globexUuid, reason: 'because' }), 'FORBIDDEN');
    await expectRefused(
      admin.features.setOverride.mutate({ tenantId: acmeUuid, feature: 'sso', enabled: true, reason: 'free sso' }),
      'FORBIDDEN',
    );
    await expectRefused(
      admin.billing.setPlan.mutate({ tenantId: acmeUuid, tier: 'enterprise', monthlyPriceCents: 0, reason: 'free' }),
      'FORBIDDEN',
    );
    await expectRefused(admin.operations.queues.query({}), 'FORBIDDEN');
    const token = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.admin, role: 'admin' });
    const input = encodeURIComponent(JSON.stringify({ platformOperator: true, tenantId: globexUuid }));
    const forged = await fetch(`${api.url}/trpc/members.list?input=${input}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect([400, 404]).toContain(forged.status);
    expect(await forged.text()).not.toMatch(/Globex/);
    const suspend = await postTrpc(
      api,
      'tenants.suspend',
      { tenantId: globexUuid, reason: 'because', platformOperator: true },
      { authorization: `Bearer ${token}` },
    );
    expect(suspend.status).toBe(403);
    expect((await admin.auth.whoami.query()).tenant.id).toBe(acmeUuid);
  });

  it('an operator’s forged cursor pages from a bound or is a bad request, never a 500', async () => {
    const operator = await clientAs(api, basic, 'viewer', { platformOperator: true });
    for (const cursor of ['OTk5OTk5OTk5OTk5', Buffer.from('2147483648').toString('base64url')]) {
      expect((await operator.tenants.list.query({ cursor })).items.length).toBeGreaterThan(0);
    }
    for (const cursor of ['!!!', Buffer.from('-1').toString('base64url'), Buffer.from('1e400').toString('base64url')]) {
      const refused = await refusal(operator.tenants.list.query({ cursor }));
      expect(refused.data.code).toBe('BAD_REQUEST');
      expect(refused.data.fields).toHaveProperty('cursor');
    }
  });
});

describe('hostile input', () => {
  it('search wildcards match literally and bad paging is a bad request with field messages', async () => {
    const admin = await clientAs(api, acme, 'admin');
    for (const search of ['%', '_', '\\', "' or 1=1 --", '%admin%']) {
      expect((await admin.members.list.query({ search })).items).toEqual([]);
    }
    for (const [input, field] of [
      [{ limit: -1 }, 'limit'],
      [{ limit: 1_000_000 }, 'limit'],
      [{ limit: 1.5 }, 'limit'],
      [{ cursor: '-1' }, 'cursor'],
      [{ cursor: "' or 1=1" }, 'cursor'],
      [{ role: 'owner' }, 'role'],
      [{ search: 'x'.repeat(1_000) }, 'search'],
      [{ orderBy: 'email; drop table users' }, '(input)'],
    ] as const) {
      const refused = await refusal(admin.members.list.query(input as never));
      expect(refused.data.code, JSON.stringify(input)).toBe('BAD_REQUEST');
      expect(Object.keys(refused.data.fields ?? {}).join(), JSON.stringify(input)).toContain(field);
    }
    for (const query of [
      { action: 'member.%' },
      { action: `${'a'.repeat(1_000)}.b` },
      { resourceId: 'x'.repeat(1_000) },
      { cursor: '00000000-0000-0000-0000-00000000000g' },
      { from: '2025-13-45T00:00:00Z' },
      { from: '2030-01-01T00:00:00Z', to: '2020-01-01T00:00:00Z' },
    ]) {
      const refused = await refusal(admin.audit.list.query(query));
      expect(refused.data.code, JSON.stringify(query).slice(0, 80)).toBe('BAD_REQUEST');
    }
  });

  it('oversized and deeply nested values are refused with field messages, never a 500, and change nothing', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Oversize Co', 'enterprise');
    const token = await api.sessionToken({ tenantId: tenant.tenantId, userId: tenant.users.admin, role: 'admin' });
    const admin = api.client(token);
    const before = await snapshot(tenant);
    const profileBefore = await admin.tenants.get.query();
    const manyPermissions = Array.from({ length: 10_000 }, () => 'users.read' as const);
    const memberId = await memberIdOf(tenant, 'member');
    for (const call of [
      () =>
        admin.settings.set.mutate({
          category: 'security',
          key: 'ipAllowlist',
          value: Array(10_000).fill('10.0.0.0/8'),
        }),
      () => admin.settings.set.mutate({ category: 'branding', key: 'emailFooter', value: 'x'.repeat(1_000_000) }),
      () => admin.settings.set.mutate({ category: 'general', key: '__proto__', value: 'x' }),
      () => admin.settings.set.mutate({ category: 'general', key: 'constructor', value: 'x' }),
      () => admin.settings.set.mutate({ category: 'general' as never, key: 'x'.repeat(1_000), value: 1 }),
      () => admin.tenants.update.mutate({ settings: { timezone: 'Mars/Olympus' } }),
      () => admin.tenants.update.mutate({ settings: { timezone: 'Europe/Paris\u0000' } }),
      () => admin.tenants.update.mutate({ settings: { date_format: 'YYYY', nested: { a: 1 } } as never }),
      () => admin.tenants.update.mutate({ name: 'n'.repeat(100_000) }),
      () => admin.tenants.update.mutate({ branding: { logo_url: 'javascript:alert(1)' } }),
      () => admin.members.setPermissions.mutate({ memberId, grant: manyPermissions }),
      () => admin.invitations.create.mutate({ email: `${'a'.repeat(300)}@x.test` }),
      () => admin.apiKeys.create.mutate({ name: 'k'.repeat(1_000), scopes: ['tenant.read'] }),
    ]) {
      const refused = await refusal(call());
      expect(refused.data.code, refused.message).toBe('BAD_REQUEST');
      expect(refused.data.fields, refused.message).toBeTruthy();
      expectNoInternals(JSON.stringify(refused));
    }
    // JSON nested thousands deep, sent raw (a client would not even serialise it).
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    for (const [path, body] of [
      ['settings.set', `{"category":"general","key":"locale","value":${deep(50_000)}}`],
      ['tenants.update', `{"branding":${deep(50_000)}}`],
      ['tenants.update', `{"settings":{"timezone":${deep(10_000)}}}`],
    ] as const) {
      const response = await fetch(`${api.url}/trpc/${path}`, { method: 'POST', headers, body });
      const text = await response.text();
      expect(response.status, text.slice(0, 200)).toBe(400);
      expectNoInternals(text);
    }
    // A body past a megabyte is refused before it is parsed, signed in or not.
    const huge = JSON.stringify({ category: 'branding', key: 'emailFooter', value: 'x'.repeat(2_000_000) });
    for (const [path, init] of [
      ['/trpc/settings.set', { headers }],
      ['/trpc/auth.signIn', { headers: { 'content-type': 'application/json' } }],
      [`/api/tenants/${await tenantUuid(api.database.db, tenant.tenantId)}`, { headers, method: 'PUT' }],
      ['/api/tenants', { headers: { 'content-type': 'application/json' } }],
    ] as const) {
      const response = await sendOnce(`${api.url}${path}`, init.method ?? 'POST', init.headers, huge);
      expect(response.status, path).toBe(413);
      // In each surface's own error shape: tRPC's on /trpc, the REST body on /api.
      const body = JSON.parse(response.text);
      expect(path.startsWith('/trpc') ? body.error.data.code : body.error.code, path).toBe('PAYLOAD_TOO_LARGE');
    }
    expect(await snapshot(tenant)).toEqual(before);
    expect(await admin.tenants.get.query()).toEqual(profileBefore);
  });

  it('/api answers unexpected content types, malformed JSON and odd ids without internals', async () => {
    const token = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.admin, role: 'admin' });
    const auth = { authorization: `Bearer ${token}` };
    const attempts: [string, RequestInit, number][] = [
      [
        `/api/tenants/${acmeUuid}`,
        { method: 'PUT', headers: { ...auth, 'content-type': 'text/plain' }, body: '{"name":"X"}' },
        415,
      ],
      [
        `/api/tenants/${acmeUuid}`,
        { method: 'PUT', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=X' },
        415,
      ],
      [
        `/api/tenants/${acmeUuid}`,
        { method: 'PUT', headers: { ...auth, 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--' },
        415,
      ],
      [
        `/api/tenants/${acmeUuid}`,
        { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":' },
        400,
      ],
      [
        `/api/tenants/${acmeUuid}`,
        { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: '[1,2,3]' },
        200,
      ],
      [
        `/api/tenants/${acmeUuid}`,
        { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: '"string"' },
        200,
      ],
      [
        `/api/tenants/${acmeUuid}`,
        {
          method: 'PUT',
          headers: { ...auth, 'content-type': 'application/json' },
          body: '{"name":"X","__proto__":{"isAdmin":true}}',
        },
        400,
      ],
      ['/api/tenants/1', { headers: auth }, 404],
      ['/api/tenants/..%2F..%2Fetc', { headers: auth }, 404],
      [`/api/tenants/${acmeUuid}'%20or%201=1/users`, { headers: auth }, 404],
      [`/api/tenants/${acmeUuid}/users?limit=-5`, { headers: auth }, 400],
      [`/api/tenants/${acmeUuid}/users?limit=99999999999999999999`, { headers: auth }, 400],
      [`/api/tenants/${acmeUuid}/users?active=maybe`, { headers: auth }, 400],
      [`/api/tenants/${acmeUuid}/users?search=%25`, { headers: auth }, 200],
      ['/api/tenants', { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<tenant/>' }, 415],
      ['/api/tenants', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"X"' }, 400],
      ['/api/tenants', { method: 'DELETE', headers: auth }, 404],
    ];
    for (const [path, init, status] of attempts) {
      const response = await fetch(`${api.url}${path}`, init);
      const text = await response.text();
      expect(response.status, `${init.method ?? 'GET'} ${path}: ${text.slice(0, 200)}`).toBe(status);
      expectNoInternals(text);
      expect(text).not.toMatch(/Globex/);
    }
    expect((await (await clientAs(api, acme, 'admin')).tenants.get.query()).name).toBe('Acme Attack');
  });

  it('/trpc refuses non-JSON bodies and garbage input without internals', async () => {
    const token = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.admin, role: 'admin' });
    for (const [path, init] of [
      [
        'tenants.update',
        {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{"name":',
        },
      ],
      [
        'tenants.update',
        {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
          body: '{"name":"Plain"}',
        },
      ],
      ['members.list?input=%7Bnot-json', { headers: { authorization: `Bearer ${token}` } }],
      ['members.list?input=%22%5Cu0000%22', { headers: { authorization: `Bearer ${token}` } }],
      ['no.such.procedure', { headers: { authorization: `Bearer ${token}` } }],
    ] as const) {
      const response = await fetch(`${api.url}/trpc/${path}`, init);
      const text = await response.text();
      expect(response.status, `${path}: ${text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${path}: ${text.slice(0, 200)}`).toBeLessThan(500);
      expectNoInternals(text);
    }
    expect((await (await clientAs(api, acme, 'admin')).tenants.get.query()).name).toBe('Acme Attack');
  });
});

describe('realtime events', () => {
  it('do not carry audit entries to a tenant whose plan has no audit log, though its admin holds audit.read', async () => {
    const admin = await clientAs(api, basic, 'admin');
    await expectRefused(admin.audit.list.query({}), 'FORBIDDEN', /subscription/);
    await admin.settings.set.mutate({ category: 'general', key: 'weekStart', value: 'sunday' });
    const { events } = await admin.events.recent.query({ limit: 50 });
    expect(events.map((entry) => entry.event.type)).toContain('tenant.changed');
    expect(events.map((entry) => entry.event.type)).not.toContain('audit.appended');
    // An enterprise admin does get them.
    const enterprise = await clientAs(api, acme, 'admin');
    await enterprise.settings.set.mutate({ category: 'general', key: 'weekStart', value: 'sunday' });
    const theirs = await enterprise.events.recent.query({ limit: 50 });
    expect(theirs.events.map((entry) => entry.event.type)).toContain('audit.appended');
    expect(theirs.events.every((entry) => entry.event.tenantId === acme.tenantUuid)).toBe(true);
  });
});

describe('row-level security under raw SQL and with the ORM filter off', () => {
  const tenantTables = [
    'tenant_users',
    'tenant_invitations',
    'tenant_settings',
    'tenant_audit_logs',
    'auth_sessions',
    'api_keys',
  ];

  it('a tenant unit of work sees and changes only its own rows, whatever the query says', async () => {
    const db = api.database.db;
    await db.inTenant(acme.tenantId, async (em) => {
      const unfiltered = await em.find(TenantUser, {}, { filters: false });
      expect(new Set(unfiltered.map((member) => member.tenant.id))).toEqual(new Set([acme.tenantId]));
      expect(await em.find(TenantUser, { tenant: globex.tenantId }, { filters: false })).toEqual([]);
      expect(await em.count(AuthSession, { tenant: globex.tenantId }, { filters: false })).toBe(0);
      for (const table of tenantTables) {
        const rows = await em.execute<{ tenant_id: number }[]>(`select distinct tenant_id from ${table}`);
        expect(
          rows.every((row) => row.tenant_id === acme.tenantId),
          table,
        ).toBe(true);
      }
      const changed = await em.execute(`update tenant_users set role = 'viewer' where tenant_id = ? returning id`, [
        globex.tenantId,
      ]);
      expect(changed).toEqual([]);
    });
    // Writing a row for another tenant is refused by the policy's check, not silently stored.
    await expect(
      db.inTenant(acme.tenantId, (em) =>
        em.execute(
          `insert into tenant_settings (tenant_id, category, key, value, is_encrypted) values (?, 'general', 'weekStart', '"monday"', false)`,
          [globex.tenantId],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    const globexAdmin = await db.inTenant(globex.tenantId, (em) =>
      em.findOneOrFail(TenantUser, { user: globex.users.admin }),
    );
    expect(globexAdmin.role).toBe('admin');
  });

  it('a global unit of work sees no tenant rows, and the membership lookup only the one user’s', async () => {
    const db = api.database.db;
    const shared = await db.inGlobal(async (em) => {
      for (const table of tenantTables) {
        expect(await em.execute(`select 1 from ${table} limit 1`), table).toEqual([]);
      }
      expect(await em.find(TenantUser, {}, { filters: false })).toEqual([]);
      const mine = await membershipsOf(em, acme.users.member);
      // The lookup narrows itself again at once.
      expect(await em.execute('select 1 from tenant_users limit 1')).toEqual([]);
      return mine;
    });
    expect(shared.map((membership) => membership.tenantId)).toEqual([acme.tenantId]);
  });
});
