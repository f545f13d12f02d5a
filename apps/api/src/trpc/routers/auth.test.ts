import { AuthSession, memberSessionsKey, type SessionRecord, sessionKey } from '@digame/core/auth';
import { TenantUser } from '@digame/core/members';
import { DEMO_PASSWORD, seedDemo } from '@digame/core/seed';
import { Tenant } from '@digame/core/tenants';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { User } from '@digame/core/users';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  auditActions,
  emailOf,
  eventually,
  GOOD_PASSWORD,
  postTrpc,
  refusedWith,
  setSecuritySetting,
  setUserPassword,
} from '../../testing/identity.js';
import { useTestApi } from '../../testing/test-api.js';

const api = useTestApi();
let acme: TenantFixture;
let globex: TenantFixture;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme Sign-in', 'professional');
  globex = await createTenantWithMembers(api.database.db, 'Globex Sign-in', 'basic');
  for (const fixture of [acme, globex]) {
    for (const userId of Object.values(fixture.users)) await setUserPassword(api.database.db, userId);
  }
});

async function signInWithBody(email: string, password = GOOD_PASSWORD, tenant?: string) {
  const outcome = await api.client().auth.signIn.mutate({ email, password, tenant, refreshTokenDelivery: 'body' });
  if (outcome.status !== 'signed_in') throw new Error(`expected a session, got ${outcome.status}`);
  return outcome;
}

describe('sign-in', () => {
  it('gives a short-lived access token and a refresh token for the membership, and records the session', async () => {
    const email = await emailOf(api.database.db, acme.users.manager);
    const session = await signInWithBody(email);
    expect(session).toMatchObject({ role: 'manager', userId: acme.users.manager, platformOperator: false });
    expect(session.tenant).toMatchObject({ id: acme.tenantUuid, slug: acme.slug });
    expect(session.refreshToken).toMatch(new RegExp(`^dgr_${acme.tenantUuid.replaceAll('-', '')}_`));
    expect(Date.parse(session.accessTokenExpiresAt) - Date.now()).toBeLessThanOrEqual(900_000);

    const me = await api.client(session.accessToken).auth.whoami.query();
    expect(me).toMatchObject({ kind: 'session', userId: acme.users.manager, role: 'manager' });

    const claims = await api.deps.tokens.verify(session.accessToken);
    expect(claims).toMatchObject({ typ: 'access', sub: acme.users.manager, tid: acme.tenantUuid, role: 'manager' });
    expect(claims.sid).toBe(session.sessionId);

    const row = await api.database.db.inTenant(acme.tenantId, (em) =>
      em.findOneOrFail(AuthSession, { id: session.sessionId }),
    );
    expect(row.revokedAt).toBeNull();
    expect(row.ipAddress).toBe('127.0.0.1');
    const key = sessionKey(api.config.REDIS_PREFIX, session.sessionId);
    const record = JSON.parse((await api.deps.redis.get(key)) ?? 'null') as SessionRecord;
    expect(record).toMatchObject({ tenantId: acme.tenantId, userId: acme.users.manager, role: 'manager' });
    const ttl = await api.deps.redis.pttl(key);
    expect(ttl).toBeGreaterThan(59 * 60_000);
    expect(ttl).toBeLessThanOrEqual(60 * 60_000);
    expect(
      await api.deps.redis.sismember(
        memberSessionsKey(api.config.REDIS_PREFIX, acme.tenantId, acme.users.manager),
        session.sessionId,
      ),
    ).toBe(1);

    const signedIn = await auditActions(api.database.db, acme.tenantId, 'auth.signed_in');
    expect(signedIn.some((entry) => entry.resourceId === session.sessionId && entry.ipAddress === '127.0.0.1')).toBe(
      true,
    );
  });

  it('puts the refresh token for browsers in an httpOnly, SameSite=Strict cookie on /trpc, not in the body', async () => {
    const email = await emailOf(api.database.db, acme.users.viewer);
    const response = await postTrpc(api, 'auth.signIn', { email, password: GOOD_PASSWORD });
    expect(response.status).toBe(200);
    expect(response.body.result?.data.refreshToken).toBeNull();
    expect(response.setCookie).toMatch(/^dg_refresh=dgr_[^;]+; Path=\/trpc; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
  });

  it('answers an unknown email, a wrong password and a password-less account alike', async () => {
    const email = await emailOf(api.database.db, acme.users.member);
    const unknown = await refusedWith(api.client().auth.signIn.mutate({ email: 'nobody@nowhere.test', password: 'x' }));
    const wrong = await refusedWith(api.client().auth.signIn.mutate({ email, password: 'not the password' }));
    expect(unknown).toEqual(wrong);
    const passwordless = await createTenantWithMembers(api.database.db, 'Never Set A Password');
    const unset = await refusedWith(
      api
        .client()
        .auth.signIn.mutate({ email: await emailOf(api.database.db, passwordless.users.admin), password: 'x' }),
    );
    expect(unset).toEqual(wrong);
    expect(wrong).toMatchObject({ code: 'UNAUTHORIZED', message: 'Invalid email or password' });

    const failures = await eventually(
      () => auditActions(api.database.db, acme.tenantId, 'auth.sign_in_failed'),
      (entries) => entries.length > 0,
    );
    expect(failures.at(-1)).toMatchObject({
      resourceId: acme.users.member,
      ipAddress: '127.0.0.1',
      details: { email, reason: 'wrong_password' },
    });
    expect(JSON.stringify(failures)).not.toContain('not the password');
  });

  it('records a failure only in the organization the account belongs to, never in the one a caller names', async () => {
    const victimEmail = await emailOf(api.database.db, acme.users.viewer);
    const globexBefore = (await auditActions(api.database.db, globex.tenantId, 'auth.sign_in_failed')).length;
    const acmeBefore = (await auditActions(api.database.db, acme.tenantId, 'auth.sign_in_failed')).length;
    // A Globex admin names their own organization with another tenant's member, or an unknown address.
    for (const email of [victimEmail, 'nobody-at-all@nowhere.test']) {
      await refusedWith(api.client().auth.signIn.mutate({ email, password: 'guess', tenant: globex.slug }));
    }
    // A Globex member's own failure is the marker that Globex's trail has caught up.
    const globexEmail = await emailOf(api.database.db, globex.users.member);
    await refusedWith(api.client().auth.signIn.mutate({ email: globexEmail, password: 'typo', tenant: globex.slug }));
    const globexEntries = await eventually(
      () => auditActions(api.database.db, globex.tenantId, 'auth.sign_in_failed'),
      (entries) => entries.length > globexBefore,
    );
    const acmeEntries = await eventually(
      () => auditActions(api.database.db, acme.tenantId, 'auth.sign_in_failed'),
      (entries) => entries.length > acmeBefore,
    );
    expect(globexEntries.slice(globexBefore).map((entry) => entry.resourceId)).toEqual([globex.users.member]);
    expect(JSON.stringify(globexEntries)).not.toContain(acme.users.viewer);
    expect(JSON.stringify(globexEntries)).not.toMatch(/nobody-at-all|unknown_email/);
    // The victim's own organization hears of the attempt on its member.
    expect(acmeEntries.slice(acmeBefore)).toEqual([
      expect.objectContaining({
        resourceId: acme.users.viewer,
        details: { email: victimEmail, reason: 'wrong_password' },
      }),
    ]);
  });

  it('refuses members of a suspended organization and addresses outside its IP allowlist', async () => {
    const fenced = await createTenantWithMembers(api.database.db, 'Fenced Sign-in', 'enterprise');
    await setUserPassword(api.database.db, fenced.users.admin);
    const email = await emailOf(api.database.db, fenced.users.admin);
    await api.database.db.inGlobal((em) =>
      em.nativeUpdate(Tenant, { id: fenced.tenantId }, { isActive: false, suspensionReason: 'unpaid invoices' }),
    );
    await api.deps.tenants.invalidate(fenced.tenantId);
    expect(await refusedWith(api.client().auth.signIn.mutate({ email, password: GOOD_PASSWORD }))).toMatchObject({
      code: 'FORBIDDEN',
      message: 'This organization is suspended: unpaid invoices. Contact your platform operator.',
    });
    await api.database.db.inGlobal((em) =>
      em.nativeUpdate(Tenant, { id: fenced.tenantId }, { isActive: true, suspensionReason: null }),
    );
    await api.deps.tenants.invalidate(fenced.tenantId);
    await setSecuritySetting(api, fenced.tenantId, 'ipAllowlist', ['10.0.0.0/8']);
    const outside = await refusedWith(api.client().auth.signIn.mutate({ email, password: GOOD_PASSWORD }));
    expect(outside).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'ip_not_allowed' } });
    await setSecuritySetting(api, fenced.tenantId, 'ipAllowlist', []);
    await signInWithBody(email);
  });

  it('re-hashes a password stored with weaker parameters on sign-in', async () => {
    // GOOD_PASSWORD hashed with 4 MiB and 1 iteration, as an older release might have stored it.
    const weak = '$argon2id$v=19$m=4096,t=1,p=1$vUx1eiLoHbCShlHCyu2pgg$o1P+KRnTJb0HOvAXfqRziNvAjH533MlXgU0CxyY7tys';
    await api.database.db.inGlobal((em) => em.nativeUpdate(User, { id: acme.users.member }, { passwordHash: weak }));
    await signInWithBody(await emailOf(api.database.db, acme.users.member));
    const user = await api.database.db.inGlobal((em) => em.findOneOrFail(User, { id: acme.users.member }));
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('lets the demo accounts sign in, the platform operator into the operators’ organization', async () => {
    await seedDemo(api.database.db);
    const admin = await signInWithBody('admin@acme.test', DEMO_PASSWORD);
    expect(admin).toMatchObject({ role: 'admin', platformOperator: false, tenant: { name: 'Acme Corporation' } });
    const operator = await signInWithBody('operator@digame.test', DEMO_PASSWORD);
    expect(operator).toMatchObject({ role: 'admin', platformOperator: true, tenant: { name: 'Digame Operations' } });
    const record = JSON.parse(
      (await api.deps.redis.get(sessionKey(api.config.REDIS_PREFIX, operator.sessionId))) ?? 'null',
    ) as SessionRecord;
    expect(record.platformOperator).toBe(true);
    const tenants = await api.client(operator.accessToken).tenants.list.query({});
    expect(tenants.items.map((tenant) => tenant.name)).toContain('Globex');
    await expect(api.client(admin.accessToken).tenants.list.query({})).rejects.toThrow(/platform operators/);
  });
});

describe('refresh tokens', () => {
  it('rotate: each works once and a new access token comes with a new refresh token', async () => {
    const first = await signInWithBody(await emailOf(api.database.db, acme.users.admin));
    const second = await api.client().auth.refresh.mutate({ refreshToken: first.refreshToken ?? '' });
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await api.client(second.accessToken).auth.whoami.query()).userId).toBe(acme.users.admin);
  });

  it('end the whole session when a rotated one is used again', async () => {
    const first = await signInWithBody(await emailOf(api.database.db, acme.users.admin));
    const second = await api.client().auth.refresh.mutate({ refreshToken: first.refreshToken ?? '' });
    const third = await api.client().auth.refresh.mutate({ refreshToken: second.refreshToken ?? '' });
    // A thief replays the first token (rotated away twice).
    const replay = await refusedWith(api.client().auth.refresh.mutate({ refreshToken: first.refreshToken ?? '' }));
    expect(replay).toMatchObject({ code: 'UNAUTHORIZED', message: /already used; the session has been ended/ });
    // The legitimate holder is out too: the access token fails on its next request.
    expect((await refusedWith(api.client(third.accessToken).auth.whoami.query())).code).toBe('UNAUTHORIZED');
    expect((await refusedWith(api.client().auth.refresh.mutate({ refreshToken: third.refreshToken ?? '' }))).code).toBe(
      'UNAUTHORIZED',
    );
    const row = await api.database.db.inTenant(acme.tenantId, (em) =>
      em.findOneOrFail(AuthSession, { id: first.sessionId }),
    );
    expect(row.revokedReason).toBe('refresh_token_reused');
    const revoked = await auditActions(api.database.db, acme.tenantId, 'session.revoked');
    expect(revoked.some((entry) => entry.resourceId === first.sessionId)).toBe(true);
  });

  it('are refused when forged, or relabelled with another tenant', async () => {
    const session = await signInWithBody(await emailOf(api.database.db, acme.users.viewer));
    const token = session.refreshToken ?? '';
    const forged = `${token.slice(0, -43)}${'A'.repeat(43)}`;
    expect(await refusedWith(api.client().auth.refresh.mutate({ refreshToken: forged }))).toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'Invalid or expired credential',
    });
    const relabelled = token.replace(
      `dgr_${acme.tenantUuid.replaceAll('-', '')}_`,
      `dgr_${globex.tenantUuid.replaceAll('-', '')}_`,
    );
    expect((await refusedWith(api.client().auth.refresh.mutate({ refreshToken: relabelled }))).code).toBe(
      'UNAUTHORIZED',
    );
    // Neither attempt ended the real session.
    await api.client().auth.refresh.mutate({ refreshToken: token });
  });

  it('stop at the idle timeout (Redis) and at the absolute lifetime (PostgreSQL)', async () => {
    const idle = await signInWithBody(await emailOf(api.database.db, acme.users.member));
    await api.deps.redis.del(sessionKey(api.config.REDIS_PREFIX, idle.sessionId));
    expect(
      (await refusedWith(api.client().auth.refresh.mutate({ refreshToken: idle.refreshToken ?? '' }))).message,
    ).toBe('Session has ended; sign in again');

    const old = await signInWithBody(await emailOf(api.database.db, acme.users.member));
    await api.database.db.inTenant(acme.tenantId, (em) =>
      em.nativeUpdate(AuthSession, { id: old.sessionId }, { absoluteExpiresAt: new Date(Date.now() - 1000) }),
    );
    expect((await refusedWith(api.client().auth.refresh.mutate({ refreshToken: old.refreshToken ?? '' }))).code).toBe(
      'UNAUTHORIZED',
    );
    const reasons = await api.database.db.inTenant(acme.tenantId, (em) =>
      em.find(AuthSession, { id: { $in: [idle.sessionId, old.sessionId] } }),
    );
    expect(reasons.map((row) => row.revokedReason).sort()).toEqual(['expired', 'idle_timeout']);
  });

  it('take the idle timeout and absolute lifetime from the tenant settings', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Short Sessions');
    await setUserPassword(api.database.db, tenant.users.admin);
    await setSecuritySetting(api, tenant.tenantId, 'sessionIdleMinutes', 5);
    await setSecuritySetting(api, tenant.tenantId, 'sessionAbsoluteHours', 2);
    const session = await signInWithBody(await emailOf(api.database.db, tenant.users.admin));
    const ttl = await api.deps.redis.pttl(sessionKey(api.config.REDIS_PREFIX, session.sessionId));
    expect(ttl).toBeGreaterThan(4 * 60_000);
    expect(ttl).toBeLessThanOrEqual(5 * 60_000);
    const lifetime = Date.parse(session.absoluteExpiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(119 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(120 * 60_000);
  });

  it('pick up a role change made since the last refresh', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Promotions');
    await setUserPassword(api.database.db, tenant.users.viewer);
    const session = await signInWithBody(await emailOf(api.database.db, tenant.users.viewer));
    await api.database.db.inTenant(tenant.tenantId, async (em) => {
      const membership = await em.findOneOrFail(TenantUser, { user: tenant.users.viewer });
      membership.role = 'manager';
    });
    const refreshed = await api.client().auth.refresh.mutate({ refreshToken: session.refreshToken ?? '' });
    expect(refreshed.role).toBe('manager');
    expect((await api.client(refreshed.accessToken).auth.whoami.query()).permissions).toContain('users.invite');
  });
});

describe('sign-out and tenant switching', () => {
  it('signs out: the access token fails on its next request and the refresh token is dead', async () => {
    const session = await signInWithBody(await emailOf(api.database.db, acme.users.manager));
    await api.client(session.accessToken).auth.signOut.mutate();
    expect(await refusedWith(api.client(session.accessToken).auth.whoami.query())).toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'Invalid or expired credential',
    });
    expect(
      (await refusedWith(api.client().auth.refresh.mutate({ refreshToken: session.refreshToken ?? '' }))).code,
    ).toBe('UNAUTHORIZED');
  });

  it('switches to another organization of the same user, with that membership’s role', async () => {
    const userId = acme.users.member;
    await api.database.db.inTenant(globex.tenantId, async (em) => {
      em.create(TenantUser, { tenant: globex.tenantId, user: userId, role: 'admin' });
    });
    const email = await emailOf(api.database.db, userId);
    const inAcme = await signInWithBody(email, GOOD_PASSWORD, acme.slug);
    const memberships = await api.client(inAcme.accessToken).auth.memberships.query();
    expect(memberships.map((m) => [m.slug, m.role, m.current]).sort()).toEqual(
      [
        [acme.slug, 'member', true],
        [globex.slug, 'admin', false],
      ].sort(),
    );
    const globexUuid = memberships.find((m) => m.slug === globex.slug)?.tenantId ?? '';
    const inGlobex = await api
      .client(inAcme.accessToken)
      .auth.switchTenant.mutate({ tenantId: globexUuid, refreshTokenDelivery: 'body' });
    expect(inGlobex).toMatchObject({ role: 'admin', tenant: { id: globex.tenantUuid } });
    const me = await api.client(inGlobex.accessToken).auth.whoami.query();
    expect(me).toMatchObject({ role: 'admin', tenant: { id: globex.tenantUuid } });
    // Signing in with the slug goes straight there too.
    expect((await signInWithBody(email, GOOD_PASSWORD, globex.slug)).tenant.id).toBe(globex.tenantUuid);
  });

  it('refuses a switch to an organization the user does not belong to', async () => {
    const session = await signInWithBody(await emailOf(api.database.db, acme.users.viewer));
    const [row] = await api.database.db.inGlobal((em) =>
      em.execute<{ tenant_uuid: string }[]>('select tenant_uuid from tenants where id = ?', [globex.tenantId]),
    );
    expect(
      await refusedWith(api.client(session.accessToken).auth.switchTenant.mutate({ tenantId: row?.tenant_uuid ?? '' })),
    ).toMatchObject({ code: 'FORBIDDEN', message: 'You are not an active member of this organization' });
    expect(
      (
        await refusedWith(
          api.client().auth.signIn.mutate({
            email: await emailOf(api.database.db, acme.users.viewer),
            password: GOOD_PASSWORD,
            tenant: globex.slug,
          }),
        )
      ).code,
    ).toBe('FORBIDDEN');
  });
});
