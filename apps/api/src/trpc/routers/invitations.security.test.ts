import { TenantInvitation } from '@digame/core/invitations';
import { TenantUser } from '@digame/core/members';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { User } from '@digame/core/users';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  auditEntries,
  clientAs,
  expectRefused,
  invitationTokenFor,
  refusal,
  setTenantColumns,
  tenantUuid,
} from '../../testing/admin.js';
import { useTestApi } from '../../testing/test-api.js';

const compact = (uuid: string) => uuid.replaceAll('-', '');
const api = useTestApi();
let acme: TenantFixture;
let globex: TenantFixture;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme', 'professional');
  globex = await createTenantWithMembers(api.database.db, 'Globex', 'professional');
});

const anonymous = () => api.client();

async function setInvitation(tenantId: number, id: string, changes: Record<string, unknown>) {
  await api.database.db.inTenant(tenantId, async (em) => {
    em.assign(await em.findOneOrFail(TenantInvitation, { id }), changes);
  });
}

describe('invitations.create', () => {
  it('queues an email with a single-use link and never returns the token', async () => {
    const admin = await clientAs(api, acme, 'admin');
    const invitation = await admin.invitations.create.mutate({ email: 'New.Person@Example.com', role: 'member' });
    expect(invitation).toMatchObject({ email: 'new.person@example.com', role: 'member', status: 'pending' });
    const days = (Date.parse(invitation.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    expect(JSON.stringify(invitation)).not.toContain('inv_');

    const token = await invitationTokenFor(api, 'new.person@example.com');
    expect(token).toMatch(new RegExp(`^inv_${compact(acme.tenantUuid)}_[A-Za-z0-9_-]{43}$`));
    const stored = await api.database.db.inTenant(acme.tenantId, (em) =>
      em.findOneOrFail(TenantInvitation, { id: invitation.id }),
    );
    expect(stored.invitationTokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.invitationTokenHash).not.toContain(token.slice(-43));
    const [entry] = await auditEntries(api.database.db, acme.tenantId, 'invitation.created');
    expect(entry?.details).toMatchObject({ email: 'new.person@example.com', role: 'member' });
  });

  it.each(['admin', 'manager'] as const)('is allowed to a %s', async (role) => {
    const client = await clientAs(api, acme, role);
    expect((await client.invitations.create.mutate({ email: `by-${role}@example.com` })).role).toBe('member');
  });

  it.each(['member', 'viewer'] as const)('is refused to a %s', async (role) => {
    const client = await clientAs(api, acme, role);
    await expectRefused(
      client.invitations.create.mutate({ email: 'x@example.com' }),
      'FORBIDDEN',
      'Missing permission: users.invite',
    );
  });

  it('does not let a manager invite an admin', async () => {
    const manager = await clientAs(api, acme, 'manager');
    await expectRefused(
      manager.invitations.create.mutate({ email: 'boss@example.com', role: 'admin' }),
      'FORBIDDEN',
      /do not hold/,
    );
  });

  it('refuses existing members, open invitations and bad input', async () => {
    const admin = await clientAs(api, acme, 'admin');
    const member = await refusal(admin.invitations.create.mutate({ email: 'MEMBER@acme.test' }));
    expect(member.data).toMatchObject({ code: 'CONFLICT', fields: { email: 'already a member' } });
    await admin.invitations.create.mutate({ email: 'twice@example.com' });
    await expectRefused(
      admin.invitations.create.mutate({ email: 'twice@example.com' }),
      'CONFLICT',
      /resend it instead/,
    );
    const bad = await refusal(admin.invitations.create.mutate({ email: 'nope', role: 'owner' as never }));
    expect(bad.data.code).toBe('BAD_REQUEST');
    expect(Object.keys(bad.data.fields ?? {}).sort()).toEqual(['email', 'role']);
  });

  it('counts open invitations against the seat limit', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Small', 'basic');
    await setTenantColumns(api, tenant.tenantId, { maxUsers: 5 });
    const admin = await clientAs(api, tenant, 'admin');
    await admin.invitations.create.mutate({ email: 'fifth@example.com' });
    const { data, message } = await refusal(admin.invitations.create.mutate({ email: 'sixth@example.com' }));
    expect(data.code).toBe('PRECONDITION_FAILED');
    expect(message).toMatch(/Seat limit reached: your basic plan allows 5 members \(4 active, 1 invited\)/);
    expect(data.details).toMatchObject({ reason: 'seat_limit_reached', limit: 5, used: 5 });
  });

  it('cannot invite into another tenant: its id answers NOT_FOUND', async () => {
    const admin = await clientAs(api, acme, 'admin');
    await expectRefused(
      admin.invitations.create.mutate({
        tenantId: await tenantUuid(api.database.db, globex.tenantId),
        email: 'spy@example.com',
      }),
      'NOT_FOUND',
      'Tenant not found',
    );
    expect(await api.database.db.inTenant(globex.tenantId, (em) => em.count(TenantInvitation, {}))).toBe(0);
  });
});

describe('invitations.accept', () => {
  it('creates a new account with the invited role, once', async () => {
    const admin = await clientAs(api, acme, 'admin');
    await admin.invitations.create.mutate({ email: 'newbie@example.com', role: 'viewer' });
    const token = await invitationTokenFor(api, 'newbie@example.com');

    const preview = await anonymous().invitations.preview.query({ token });
    expect(preview).toMatchObject({
      tenantName: 'Acme',
      email: 'newbie@example.com',
      role: 'viewer',
      accountExists: false,
    });

    const weak = await refusal(
      anonymous().invitations.accept.mutate({ token, fullName: 'New Bie', password: 'password' }),
    );
    expect(weak.data).toMatchObject({ code: 'BAD_REQUEST', fields: { password: expect.stringMatching(/common/) } });
    const missing = await refusal(anonymous().invitations.accept.mutate({ token }));
    expect(Object.keys(missing.data.fields ?? {}).sort()).toEqual(['fullName', 'password']);

    const accepted = await anonymous().invitations.accept.mutate({
      token,
      fullName: 'New Bie',
      password: 'a long unusual passphrase',
    });
    expect(accepted).toMatchObject({ role: 'viewer', userCreated: true, tenant: { slug: acme.slug, name: 'Acme' } });
    const user = await api.database.db.inGlobal((em) => em.findOneOrFail(User, { email: 'newbie@example.com' }));
    expect(user.fullName).toBe('New Bie');
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);

    await expectRefused(
      anonymous().invitations.accept.mutate({ token, fullName: 'Again', password: 'another long passphrase' }),
      'CONFLICT',
      /already been used/,
    );
    const [accepted_] = await auditEntries(api.database.db, acme.tenantId, 'invitation.accepted');
    expect(accepted_?.user?.id).toBe(accepted.userId);
    const [added] = await auditEntries(api.database.db, acme.tenantId, 'member.added');
    expect(added?.details).toMatchObject({ userId: accepted.userId, after: { role: 'viewer' } });
  });

  it('lets a signed-in user of another organization join as themselves', async () => {
    const admin = await clientAs(api, acme, 'admin');
    await admin.invitations.create.mutate({ email: 'manager@globex.test', role: 'manager' });
    const token = await invitationTokenFor(api, 'manager@globex.test');
    const anonymousTry = await refusal(anonymous().invitations.accept.mutate({ token }));
    expect(anonymousTry.data.code).toBe('BAD_REQUEST');

    // An account with a password must sign in first.
    await api.database.db.inGlobal(async (em) => {
      (await em.findOneOrFail(User, { id: globex.users.manager })).passwordHash = 'x';
    });
    await expectRefused(
      anonymous().invitations.accept.mutate({ token, fullName: 'X', password: 'a long unusual passphrase' }),
      'UNAUTHORIZED',
      /sign in/,
    );
    // Someone else's session cannot take it.
    const wrongUser = await clientAs(api, globex, 'viewer');
    await expectRefused(wrongUser.invitations.accept.mutate({ token }), 'FORBIDDEN', /sent to manager@globex.test/);

    const signedIn = await clientAs(api, globex, 'manager');
    const accepted = await signedIn.invitations.accept.mutate({ token });
    expect(accepted).toMatchObject({ userId: globex.users.manager, role: 'manager', userCreated: false });
    const membership = await api.database.db.inTenant(acme.tenantId, (em) =>
      em.findOneOrFail(TenantUser, { user: globex.users.manager }),
    );
    expect(membership.role).toBe('manager');
  });

  it('gives expired, revoked, used and unknown tokens distinct errors', async () => {
    const admin = await clientAs(api, acme, 'admin');
    const expired = await admin.invitations.create.mutate({ email: 'late@example.com' });
    await setInvitation(acme.tenantId, expired.id, { expiresAt: new Date(Date.now() - 1000) });
    const revoked = await admin.invitations.create.mutate({ email: 'unwanted@example.com' });
    await admin.invitations.revoke.mutate({ invitationId: revoked.id });
    const signup = { fullName: 'Someone', password: 'a long unusual passphrase' };

    const results = await Promise.all([
      refusal(
        anonymous().invitations.accept.mutate({ token: await invitationTokenFor(api, 'late@example.com'), ...signup }),
      ),
      refusal(
        anonymous().invitations.accept.mutate({
          token: await invitationTokenFor(api, 'unwanted@example.com'),
          ...signup,
        }),
      ),
      refusal(
        anonymous().invitations.accept.mutate({
          token: `inv_${compact(acme.tenantUuid)}_${'A'.repeat(43)}`,
          ...signup,
        }),
      ),
      refusal(anonymous().invitations.accept.mutate({ token: 'garbage', ...signup })),
      refusal(anonymous().invitations.accept.mutate({ token: `inv_${'f'.repeat(32)}_${'A'.repeat(43)}`, ...signup })),
    ]);
    expect(results.map((result) => [result.data.code, result.data.details?.reason])).toEqual([
      ['PRECONDITION_FAILED', 'invitation_expired'],
      ['PRECONDITION_FAILED', 'invitation_revoked'],
      ['NOT_FOUND', 'invitation_unknown'],
      ['NOT_FOUND', 'invitation_unknown'],
      ['NOT_FOUND', 'invitation_unknown'],
    ]);
    expect(results[0]?.message).toMatch(/expired/);
    expect(results[1]?.message).toMatch(/revoked/);
  });

  it('refuses accepting past the seat limit', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Tight', 'basic');
    const admin = await clientAs(api, tenant, 'admin');
    await admin.invitations.create.mutate({ email: 'seat@example.com' });
    await setTenantColumns(api, tenant.tenantId, { maxUsers: 4 });
    const token = await invitationTokenFor(api, 'seat@example.com');
    await expectRefused(
      anonymous().invitations.accept.mutate({ token, fullName: 'Seat', password: 'a long unusual passphrase' }),
      'PRECONDITION_FAILED',
      /Seat limit reached/,
    );
    expect(await api.database.db.inGlobal((em) => em.count(User, { email: 'seat@example.com' }))).toBe(0);
  });

  it('does not let a token be replayed against another tenant', async () => {
    const admin = await clientAs(api, globex, 'admin');
    await admin.invitations.create.mutate({ email: 'cross@example.com' });
    const token = await invitationTokenFor(api, 'cross@example.com');
    const swapped = token.replace(`inv_${compact(globex.tenantUuid)}_`, `inv_${compact(acme.tenantUuid)}_`);
    await expectRefused(
      anonymous().invitations.accept.mutate({ token: swapped, fullName: 'X', password: 'a long unusual passphrase' }),
      'NOT_FOUND',
    );
  });
});

describe('invitations.list, resend and revoke', () => {
  it('lists open invitations; resend replaces the link; revoke closes it; all audited', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Lister', 'professional');
    const manager = await clientAs(api, tenant, 'manager');
    const invitation = await manager.invitations.create.mutate({ email: 'pending@example.com' });
    const oldToken = await invitationTokenFor(api, 'pending@example.com');
    expect((await manager.invitations.list.query()).map((row) => row.email)).toEqual(['pending@example.com']);

    const resent = await manager.invitations.resend.mutate({ invitationId: invitation.id });
    const newToken = await invitationTokenFor(api, 'pending@example.com');
    expect(newToken).not.toBe(oldToken);
    expect(Date.parse(resent.expiresAt)).toBeGreaterThanOrEqual(Date.parse(invitation.expiresAt));
    await expectRefused(anonymous().invitations.preview.query({ token: oldToken }), 'NOT_FOUND');
    expect((await anonymous().invitations.preview.query({ token: newToken })).email).toBe('pending@example.com');

    expect((await manager.invitations.revoke.mutate({ invitationId: invitation.id })).status).toBe('revoked');
    expect(await manager.invitations.list.query()).toEqual([]);
    expect((await manager.invitations.list.query({ includeClosed: true })).map((row) => row.status)).toEqual([
      'revoked',
    ]);
    await expectRefused(manager.invitations.resend.mutate({ invitationId: invitation.id }), 'CONFLICT', /revoked/);
    await expectRefused(manager.invitations.revoke.mutate({ invitationId: invitation.id }), 'CONFLICT', /revoked/);
    for (const action of ['invitation.created', 'invitation.resent', 'invitation.revoked']) {
      expect(await auditEntries(api.database.db, tenant.tenantId, action)).toHaveLength(1);
    }
  });

  // Each invitation locks the tenant row for its seat check and then appends to the audit chain; each
  // revocation appends to the chain and then inserts rows whose foreign keys point at the tenant row
  // (nine of each: one client batch holds at most 20 calls).
  it('serves concurrent invitations and revocations in one tenant without a deadlock', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Busy', 'enterprise');
    const admin = await clientAs(api, tenant, 'admin');
    const open = [];
    for (let i = 0; i < 9; i++) open.push(await admin.invitations.create.mutate({ email: `open-${i}@example.com` }));
    const calls = open.flatMap((invitation, i) => [
      admin.invitations.revoke.mutate({ invitationId: invitation.id }),
      admin.invitations.create.mutate({ email: `racing-${i}@example.com` }),
    ]);
    const outcomes = await Promise.allSettled(calls);
    const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [String(outcome.reason)] : []));
    expect(failures).toEqual([]);
    const statuses = (await admin.invitations.list.query({ includeClosed: true })).map((row) => row.status);
    expect(statuses.filter((status) => status === 'revoked')).toHaveLength(9);
    expect(statuses.filter((status) => status === 'pending')).toHaveLength(9);
    expect(await auditEntries(api.database.db, tenant.tenantId, 'invitation.revoked')).toHaveLength(9);
    expect(await admin.audit.verify.query()).toMatchObject({ valid: true, firstBreak: null });
  });

  it.each(['member', 'viewer'] as const)('refuses list, resend and revoke to a %s', async (role) => {
    const client = await clientAs(api, acme, role);
    const [any] = await (await clientAs(api, acme, 'admin')).invitations.list.query();
    for (const call of [
      client.invitations.list.query(),
      client.invitations.resend.mutate({ invitationId: any?.id ?? '' }),
      client.invitations.revoke.mutate({ invitationId: any?.id ?? '' }),
    ]) {
      await expectRefused(call, 'FORBIDDEN', 'Missing permission: users.invite');
    }
  });

  it("answers another tenant's invitation ids like unknown ones and leaves them alone", async () => {
    const globexAdmin = await clientAs(api, globex, 'admin');
    const theirs = await globexAdmin.invitations.create.mutate({ email: 'theirs@example.com' });
    const admin = await clientAs(api, acme, 'admin');
    await expectRefused(
      admin.invitations.resend.mutate({ invitationId: theirs.id }),
      'NOT_FOUND',
      'Invitation not found',
    );
    await expectRefused(
      admin.invitations.revoke.mutate({ invitationId: theirs.id }),
      'NOT_FOUND',
      'Invitation not found',
    );
    expect((await admin.invitations.list.query({ includeClosed: true })).map((row) => row.email)).not.toContain(
      'theirs@example.com',
    );
    expect((await globexAdmin.invitations.list.query()).find((row) => row.id === theirs.id)?.status).toBe('pending');
  });
});

describe('sessions of invited members', () => {
  it('an accepted member can use the api with the invited role', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Joiner', 'professional');
    const admin = await clientAs(api, tenant, 'admin');
    await admin.invitations.create.mutate({ email: 'joiner@example.com', role: 'manager' });
    const accepted = await anonymous().invitations.accept.mutate({
      token: await invitationTokenFor(api, 'joiner@example.com'),
      fullName: 'Joiner',
      password: 'a long unusual passphrase',
    });
    const token = await api.sessionToken({ tenantId: tenant.tenantId, userId: accepted.userId, role: 'manager' });
    expect((await api.client(token).members.list.query({})).items).toHaveLength(5);
  });
});
