import { endMemberSessions, refreshMemberSessions } from '@digame/core/auth';
import { TenantUser } from '@digame/core/members';
import { tenantContext } from '@digame/core/services';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { emailOf, GOOD_PASSWORD, postTrpc, refusedWith, setUserPassword } from '../../testing/identity.js';
import { useTestApi } from '../../testing/test-api.js';

// One proxy in front, so tests can speak from several addresses; a small, short lockout.
const api = useTestApi({ TRUSTED_PROXIES: '1', SIGNIN_MAX_FAILURES: '3', SIGNIN_LOCKOUT_SECONDS: '2' });
let acme: TenantFixture;
let globex: TenantFixture;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme Security', 'professional');
  globex = await createTenantWithMembers(api.database.db, 'Globex Security', 'professional');
  for (const fixture of [acme, globex]) {
    for (const userId of Object.values(fixture.users)) await setUserPassword(api.database.db, userId);
  }
});

function signInFrom(address: string, email: string, password: string) {
  return postTrpc(
    api,
    'auth.signIn',
    { email, password, refreshTokenDelivery: 'body' },
    { 'x-forwarded-for': address },
  );
}

describe('brute force', () => {
  it('throttles a guessing run per account and address, and the victim can still sign in', async () => {
    const victim = await emailOf(api.database.db, acme.users.member);
    const attacker = '203.0.113.7';
    for (let i = 0; i < 3; i++) {
      expect((await signInFrom(attacker, victim, `guess number ${i}`)).status).toBe(401);
    }
    const throttled = await signInFrom(attacker, victim, GOOD_PASSWORD);
    expect(throttled.status).toBe(429);
    expect(throttled.body.error?.message).toBe('Too many failed sign-in attempts; try again later');

    // The owner, from their own address, is not locked out by the attacker.
    expect((await signInFrom('198.51.100.2', victim, GOOD_PASSWORD)).status).toBe(200);
    // And the lockout is temporary, even at the attacker's address.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await signInFrom(attacker, victim, GOOD_PASSWORD)).status).toBe(200);
  });

  it('spends the same hashing work on an unknown email as on a wrong password', async () => {
    const known = await emailOf(api.database.db, globex.users.viewer);
    const unknownTimes: number[] = [];
    const wrongTimes: number[] = [];
    for (let i = 0; i < 7; i++) {
      let started = performance.now();
      await signInFrom(`192.0.2.${10 + i}`, `nobody-${i}@nowhere.test`, 'some password');
      unknownTimes.push(performance.now() - started);
      started = performance.now();
      await signInFrom(`192.0.2.${100 + i}`, known, 'some password');
      wrongTimes.push(performance.now() - started);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    // Without the dummy hash an unknown email answers in a small fraction of the time.
    expect(median(unknownTimes)).toBeGreaterThan(median(wrongTimes) * 0.5);
    expect(median(unknownTimes)).toBeLessThan(median(wrongTimes) * 2);
  });
});

describe('sessions across tenants', () => {
  it('cannot be listed or revoked with another tenant’s ids', async () => {
    const victim = await api.sessionToken({ tenantId: globex.tenantId, userId: globex.users.member, role: 'member' });
    const { sid: victimSession } = await api.deps.tokens.verify(victim);
    const intruder = api.client(
      await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.admin, role: 'admin' }),
    );
    expect(await refusedWith(intruder.sessions.revoke.mutate({ sessionId: victimSession }))).toMatchObject({
      code: 'NOT_FOUND',
      message: 'No such session',
    });
    expect(await intruder.sessions.list.query({ userId: globex.users.member })).toEqual([]);
    expect(await intruder.sessions.revokeAll.mutate({ userId: globex.users.member })).toEqual({ revoked: 0 });
    expect((await api.client(victim).auth.whoami.query()).userId).toBe(globex.users.member);
  });

  it('lets members manage their own sessions, and managers everyone’s', async () => {
    const phone = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.viewer, role: 'viewer' });
    const laptop = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.viewer, role: 'viewer' });
    const viewer = api.client(laptop);
    const mine = await viewer.sessions.list.query();
    expect(mine.filter((session) => session.current)).toHaveLength(1);
    expect(await refusedWith(viewer.sessions.list.query({ userId: acme.users.member }))).toMatchObject({
      code: 'FORBIDDEN',
      message: 'Missing permission: users.manage',
    });
    const managerSession = await api.sessionToken({
      tenantId: acme.tenantId,
      userId: acme.users.manager,
      role: 'manager',
    });
    const { sid } = await api.deps.tokens.verify(managerSession);
    expect((await refusedWith(viewer.sessions.revoke.mutate({ sessionId: sid }))).code).toBe('NOT_FOUND');

    const { sid: phoneSession } = await api.deps.tokens.verify(phone);
    await viewer.sessions.revoke.mutate({ sessionId: phoneSession });
    expect((await refusedWith(api.client(phone).auth.whoami.query())).code).toBe('UNAUTHORIZED');
    await api.client(managerSession).sessions.revokeAll.mutate({ userId: acme.users.viewer });
    expect((await refusedWith(viewer.auth.whoami.query())).code).toBe('UNAUTHORIZED');
  });
});

describe('member changes reach live sessions at once', () => {
  it('a role change takes effect on the next request (refreshMemberSessions)', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Demotions');
    const token = await api.sessionToken({ tenantId: tenant.tenantId, userId: tenant.users.manager, role: 'manager' });
    expect((await api.client(token).auth.whoami.query()).permissions).toContain('users.invite');
    await api.database.db.inTenant(tenant.tenantId, async (em) => {
      const ctx = tenantContext(em, tenant.tenantId, { userId: tenant.users.admin }, api.deps.services);
      const membership = await em.findOneOrFail(TenantUser, { user: tenant.users.manager });
      membership.role = 'viewer';
      await refreshMemberSessions(ctx, tenant.users.manager);
    });
    const me = await api.client(token).auth.whoami.query();
    expect(me.role).toBe('viewer');
    expect(me.permissions).not.toContain('users.invite');
  });

  it('deactivating or removing a member ends their sessions at once (endMemberSessions)', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Departures');
    await setUserPassword(api.database.db, tenant.users.member);
    const signedIn = await signInFrom(
      '192.0.2.200',
      await emailOf(api.database.db, tenant.users.member),
      GOOD_PASSWORD,
    );
    const { accessToken, refreshToken } = (signedIn.body.result?.data ?? {}) as {
      accessToken: string;
      refreshToken: string;
    };
    await api.database.db.inTenant(tenant.tenantId, async (em) => {
      const ctx = tenantContext(em, tenant.tenantId, { userId: tenant.users.admin }, api.deps.services);
      const membership = await em.findOneOrFail(TenantUser, { user: tenant.users.member });
      membership.isActive = false;
      await endMemberSessions(ctx, tenant.users.member, 'member_deactivated');
    });
    expect((await refusedWith(api.client(accessToken).auth.whoami.query())).code).toBe('UNAUTHORIZED');
    expect((await refusedWith(api.client().auth.refresh.mutate({ refreshToken }))).code).toBe('UNAUTHORIZED');
    expect(
      (await signInFrom('192.0.2.200', await emailOf(api.database.db, tenant.users.member), GOOD_PASSWORD)).status,
    ).toBe(403);
  });
});
