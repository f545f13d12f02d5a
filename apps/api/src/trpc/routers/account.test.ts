import { totpCode } from '@digame/core/auth';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { User } from '@digame/core/users';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  auditActions,
  emailOf,
  enqueuedEmails,
  eventually,
  GOOD_PASSWORD,
  refusedWith,
  setUserPassword,
  tokenFromEmail,
} from '../../testing/identity.js';
import { useTestApi } from '../../testing/test-api.js';

const api = useTestApi({ SIGNIN_MAX_FAILURES: '50' });
let acme: TenantFixture;
let globex: TenantFixture;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme Accounts', 'professional');
  globex = await createTenantWithMembers(api.database.db, 'Globex Accounts', 'basic');
  for (const fixture of [acme, globex]) {
    for (const userId of Object.values(fixture.users)) await setUserPassword(api.database.db, userId);
  }
});

async function session(email: string, password = GOOD_PASSWORD) {
  const outcome = await api.client().auth.signIn.mutate({ email, password, refreshTokenDelivery: 'body' });
  if (outcome.status !== 'signed_in') throw new Error(`expected a session, got ${outcome.status}`);
  return outcome;
}

describe('password reset by email', () => {
  it('answers the same whether or not the account exists, and emails only real accounts', async () => {
    const email = await emailOf(api.database.db, acme.users.member);
    const known = await api.client().auth.requestPasswordReset.mutate({ email });
    const unknown = await api.client().auth.requestPasswordReset.mutate({ email: 'ghost@nowhere.test' });
    expect(unknown).toEqual(known);
    const emails = await eventually(
      () => enqueuedEmails(api),
      (all) => all.some((mail) => mail.to === email),
    );
    expect(emails.some((mail) => mail.to === 'ghost@nowhere.test')).toBe(false);
    const reset = emails.find((mail) => mail.to === email);
    expect(reset).toMatchObject({ template: 'password_reset', tenantId: null });
    expect((reset?.data as { resetUrl?: string } | undefined)?.resetUrl).toMatch(
      /^http:\/\/localhost:5173\/set-password\?token=dgp_/,
    );
  });

  it('sets a new password once, without signing in, and ends every existing session', async () => {
    const email = await emailOf(api.database.db, acme.users.manager);
    const before = await session(email);
    await api.client().auth.requestPasswordReset.mutate({ email });
    const token = await tokenFromEmail(api, email, 'password_reset');

    const weak = await refusedWith(api.client().auth.setPassword.mutate({ token, password: 'password1' }));
    expect(weak).toMatchObject({
      code: 'BAD_REQUEST',
      fields: { password: 'This password is too common; choose another' },
    });
    const short = await refusedWith(api.client().auth.setPassword.mutate({ token, password: 'short' }));
    expect(short.fields).toEqual({ password: 'Use at least 8 characters' });

    // Checking the link does not use it, and says whom it is for.
    expect(await api.client().auth.passwordLink.query({ token })).toMatchObject({ email, purpose: 'reset' });
    expect(await api.client().auth.passwordLink.query({ token })).toMatchObject({ email });

    const done = await api.client().auth.setPassword.mutate({ token, password: 'a brand new passphrase' });
    expect(done).toEqual({ ok: true, email });
    expect(Object.keys(done)).not.toContain('accessToken');
    expect((await refusedWith(api.client(before.accessToken).auth.whoami.query())).code).toBe('UNAUTHORIZED');
    expect(
      (await refusedWith(api.client().auth.refresh.mutate({ refreshToken: before.refreshToken ?? '' }))).code,
    ).toBe('UNAUTHORIZED');
    expect((await refusedWith(session(email))).code).toBe('UNAUTHORIZED');
    await session(email, 'a brand new passphrase');

    const used = await refusedWith(api.client().auth.setPassword.mutate({ token, password: 'yet another passphrase' }));
    expect(used).toMatchObject({ code: 'BAD_REQUEST', fields: { token: 'invalid, already used or expired' } });
    expect(await refusedWith(api.client().auth.passwordLink.query({ token }))).toMatchObject({
      code: 'BAD_REQUEST',
      fields: { token: 'invalid, already used or expired' },
    });
    expect((await auditActions(api.database.db, acme.tenantId, 'auth.password_reset')).length).toBe(1);
  });

  it('refuses an expired link, an older link once a newer one was sent, and a link edited to name another user', async () => {
    const email = await emailOf(api.database.db, acme.users.viewer);
    await api.client().auth.requestPasswordReset.mutate({ email });
    const older = await tokenFromEmail(api, email, 'password_reset');
    await api.client().auth.requestPasswordReset.mutate({ email });
    const newer = await tokenFromEmail(api, email, 'password_reset', { notToken: older });
    expect(newer).not.toBe(older);
    expect(
      (await refusedWith(api.client().auth.setPassword.mutate({ token: older, password: GOOD_PASSWORD }))).code,
    ).toBe('BAD_REQUEST');

    const otherUser = globex.users.viewer.replaceAll('-', '');
    const retargeted = newer.replace(/^dgp_[0-9a-f]{32}_/, `dgp_${otherUser}_`);
    expect(
      (await refusedWith(api.client().auth.setPassword.mutate({ token: retargeted, password: GOOD_PASSWORD }))).code,
    ).toBe('BAD_REQUEST');

    await api.database.db.inGlobal((em) =>
      em.nativeUpdate(User, { id: acme.users.viewer }, { passwordTokenExpiresAt: new Date(Date.now() - 1000) }),
    );
    expect(
      (await refusedWith(api.client().auth.setPassword.mutate({ token: newer, password: GOOD_PASSWORD }))).code,
    ).toBe('BAD_REQUEST');
  });

  it('does not bypass MFA: after a reset the second factor is still asked for', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Reset With MFA');
    await setUserPassword(api.database.db, tenant.users.admin);
    const email = await emailOf(api.database.db, tenant.users.admin);
    const client = api.client((await session(email)).accessToken);
    const { secret } = await client.mfa.beginEnrolment.mutate();
    await client.mfa.confirmEnrolment.mutate({ code: totpCode(secret) });

    await api.client().auth.requestPasswordReset.mutate({ email });
    const token = await tokenFromEmail(api, email, 'password_reset');
    await api.client().auth.setPassword.mutate({ token, password: 'after the reset, still mfa' });
    const outcome = await api.client().auth.signIn.mutate({ email, password: 'after the reset, still mfa' });
    expect(outcome.status).toBe('mfa_required');
  });
});

describe('signed-in account changes', () => {
  it('changes the password with the current one; other sessions end, this one stays', async () => {
    const email = await emailOf(api.database.db, globex.users.member);
    const other = await session(email);
    const current = await session(email);
    const client = api.client(current.accessToken);
    const wrong = await refusedWith(
      client.auth.changePassword.mutate({ currentPassword: 'not it at all', newPassword: 'my new passphrase' }),
    );
    expect(wrong).toMatchObject({ code: 'BAD_REQUEST', fields: { currentPassword: 'is not correct' } });
    await client.auth.changePassword.mutate({ currentPassword: GOOD_PASSWORD, newPassword: 'my new passphrase' });
    expect((await client.auth.whoami.query()).userId).toBe(globex.users.member);
    expect((await refusedWith(api.client(other.accessToken).auth.whoami.query())).code).toBe('UNAUTHORIZED');
    await session(email, 'my new passphrase');
    expect((await auditActions(api.database.db, globex.tenantId, 'auth.password_changed')).length).toBe(1);
  });

  it('reads and updates the profile', async () => {
    const client = api.client((await session(await emailOf(api.database.db, globex.users.admin))).accessToken);
    expect(await client.auth.profile.query()).toMatchObject({ id: globex.users.admin, mfaEnabled: false });
    expect(await client.auth.updateProfile.mutate({ fullName: '  Grace Hopper ' })).toMatchObject({
      fullName: 'Grace Hopper',
    });
    expect((await refusedWith(client.auth.updateProfile.mutate({ fullName: '' }))).fields).toEqual({
      fullName: 'is required',
    });
    // PostgreSQL cannot store U+0000 in text: refused as input, before any statement.
    const nul = await refusedWith(client.auth.updateProfile.mutate({ fullName: 'Grace\u0000Hopper' }));
    expect(nul).toMatchObject({ code: 'BAD_REQUEST', fields: { fullName: 'must not contain the NUL character' } });
    expect((await client.auth.profile.query()).fullName).toBe('Grace Hopper');
  });
});
