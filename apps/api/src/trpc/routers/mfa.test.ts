import { beginMfaEnrolment, totpCode } from '@digame/core/auth';
import { DomainError } from '@digame/core/errors';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { User } from '@digame/core/users';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  auditActions,
  emailOf,
  GOOD_PASSWORD,
  refusedWith,
  setSecuritySetting,
  setUserPassword,
} from '../../testing/identity.js';
import { useTestApi } from '../../testing/test-api.js';

// Wrong codes count as failed sign-ins; a higher limit keeps this file's deliberate failures from locking accounts.
const api = useTestApi({ SIGNIN_MAX_FAILURES: '50' });
let acme: TenantFixture;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme MFA', 'professional');
  for (const userId of Object.values(acme.users)) await setUserPassword(api.database.db, userId);
});

const STEP_MS = 30_000;

async function signIn(userId: string, tenant?: string) {
  return api.client().auth.signIn.mutate({
    email: await emailOf(api.database.db, userId),
    password: GOOD_PASSWORD,
    tenant,
    refreshTokenDelivery: 'body',
  });
}

async function sessionOf(userId: string) {
  const outcome = await signIn(userId);
  if (outcome.status !== 'signed_in') throw new Error(`expected a session, got ${outcome.status}`);
  return outcome;
}

async function pendingOf(userId: string, tenant?: string) {
  const outcome = await signIn(userId, tenant);
  if (outcome.status === 'signed_in') throw new Error('expected an MFA step');
  return outcome;
}

/** Enrols a user through the API; the confirming code is from the previous time step, leaving now and next usable. */
async function enrol(userId: string) {
  const session = await sessionOf(userId);
  const client = api.client(session.accessToken);
  const { secret } = await client.mfa.beginEnrolment.mutate();
  const confirmed = await client.mfa.confirmEnrolment.mutate({
    code: totpCode(secret, Date.now() - STEP_MS),
    refreshTokenDelivery: 'body',
  });
  return { secret, recoveryCodes: confirmed.recoveryCodes, session: confirmed.session };
}

describe('TOTP enrolment', () => {
  it('shows a QR code, confirms with a code, ends the other sessions and hands out ten recovery codes', async () => {
    const before = await sessionOf(acme.users.manager);
    const client = api.client(before.accessToken);
    const enrolment = await client.mfa.beginEnrolment.mutate();
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.otpauthUri).toMatch(/^otpauth:\/\/totp\/Digame%20Tenancy:.+\?issuer=Digame%20Tenancy&secret=/);
    expect(enrolment.qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);

    expect((await refusedWith(client.mfa.confirmEnrolment.mutate({ code: '000000' }))).code).toBe('UNAUTHORIZED');
    const confirmed = await client.mfa.confirmEnrolment.mutate({
      code: totpCode(enrolment.secret),
      refreshTokenDelivery: 'body',
    });
    expect(confirmed.recoveryCodes).toHaveLength(10);
    expect(new Set(confirmed.recoveryCodes).size).toBe(10);

    // The session that enrolled ended like every other; the fresh one in the answer works.
    expect((await refusedWith(client.auth.whoami.query())).code).toBe('UNAUTHORIZED');
    const after = api.client(confirmed.session.accessToken);
    expect(await after.mfa.status.query()).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });

    const user = await api.database.db.inGlobal((em) => em.findOneOrFail(User, { id: acme.users.manager }));
    expect(user.mfaSecretEncrypted).toMatch(/^v1:/);
    expect(user.mfaSecretEncrypted).not.toContain(enrolment.secret);
    expect((await auditActions(api.database.db, acme.tenantId, 'mfa.enabled')).at(-1)).toMatchObject({
      resourceId: acme.users.manager,
      ipAddress: '127.0.0.1',
    });
  });
});

describe('sign-in with MFA', () => {
  it('asks for a code; the MFA-pending token is no access token; each code works once', async () => {
    const { secret } = await enrol(acme.users.member);
    const pending = await pendingOf(acme.users.member);
    expect(pending.status).toBe('mfa_required');
    expect(await refusedWith(api.client(pending.mfaToken).auth.whoami.query())).toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'Invalid or expired credential',
    });

    const code = totpCode(secret);
    const session = await api
      .client()
      .mfa.verify.mutate({ mfaToken: pending.mfaToken, code, refreshTokenDelivery: 'body' });
    expect((await api.client(session.accessToken).auth.whoami.query()).userId).toBe(acme.users.member);
    // The pending token was spent.
    expect((await refusedWith(api.client().mfa.verify.mutate({ mfaToken: pending.mfaToken, code }))).message).toMatch(
      /expired/,
    );

    const again = await pendingOf(acme.users.member);
    const replay = await refusedWith(api.client().mfa.verify.mutate({ mfaToken: again.mfaToken, code }));
    expect(replay).toMatchObject({ code: 'UNAUTHORIZED', message: 'That code is not valid (or was already used)' });
    await api.client().mfa.verify.mutate({ mfaToken: again.mfaToken, code: totpCode(secret, Date.now() + STEP_MS) });
    expect((await auditActions(api.database.db, acme.tenantId, 'auth.mfa_failed')).length).toBeGreaterThan(0);
  });

  it('takes each recovery code once', async () => {
    const { recoveryCodes } = await enrol(acme.users.viewer);
    const [code] = recoveryCodes as [string];
    const first = await pendingOf(acme.users.viewer);
    const session = await api.client().mfa.verify.mutate({ mfaToken: first.mfaToken, code: code.toUpperCase() });
    expect((await api.client(session.accessToken).mfa.status.query()).recoveryCodesLeft).toBe(9);
    const second = await pendingOf(acme.users.viewer);
    expect((await refusedWith(api.client().mfa.verify.mutate({ mfaToken: second.mfaToken, code }))).code).toBe(
      'UNAUTHORIZED',
    );
    expect((await auditActions(api.database.db, acme.tenantId, 'mfa.recovery_code_used')).length).toBe(1);
  });

  it('gives up on a sign-in attempt after five wrong codes', async () => {
    const { secret } = await enrol(acme.users.admin);
    const pending = await pendingOf(acme.users.admin);
    for (let i = 0; i < 5; i++) {
      await refusedWith(api.client().mfa.verify.mutate({ mfaToken: pending.mfaToken, code: '000000' }));
    }
    const late = await refusedWith(
      api.client().mfa.verify.mutate({ mfaToken: pending.mfaToken, code: totpCode(secret) }),
    );
    expect(late.message).toBe('This sign-in attempt has expired; sign in again');
  });
});

describe('turning MFA off and recovery codes', () => {
  it('needs the password and a code, and ends every session', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Acme MFA Off');
    await setUserPassword(api.database.db, tenant.users.admin);
    const { secret, session } = await enrol(tenant.users.admin);
    const client = api.client(session.accessToken);
    const wrongPassword = await refusedWith(
      client.mfa.disable.mutate({ password: 'wrong password!', code: totpCode(secret) }),
    );
    expect(wrongPassword).toMatchObject({ code: 'BAD_REQUEST', fields: { password: 'is not correct' } });
    expect((await refusedWith(client.mfa.disable.mutate({ password: GOOD_PASSWORD, code: '123456' }))).code).toBe(
      'UNAUTHORIZED',
    );
    const { session: fresh } = await client.mfa.disable.mutate({
      password: GOOD_PASSWORD,
      code: totpCode(secret, Date.now() + STEP_MS),
      refreshTokenDelivery: 'body',
    });
    expect((await refusedWith(client.auth.whoami.query())).code).toBe('UNAUTHORIZED');
    expect((await api.client(fresh.accessToken).mfa.status.query()).enabled).toBe(false);
    expect((await signIn(tenant.users.admin)).status).toBe('signed_in');
    expect((await auditActions(api.database.db, tenant.tenantId, 'mfa.disabled')).length).toBe(1);
  });

  it('regenerates recovery codes; the old ones stop working', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Acme MFA Codes');
    await setUserPassword(api.database.db, tenant.users.admin);
    const { secret, session, recoveryCodes } = await enrol(tenant.users.admin);
    const { recoveryCodes: fresh } = await api
      .client(session.accessToken)
      .mfa.regenerateRecoveryCodes.mutate({ code: totpCode(secret) });
    expect(fresh).toHaveLength(10);
    const pending = await pendingOf(tenant.users.admin);
    expect(
      (await refusedWith(api.client().mfa.verify.mutate({ mfaToken: pending.mfaToken, code: recoveryCodes[0] ?? '' })))
        .code,
    ).toBe('UNAUTHORIZED');
    await api.client().mfa.verify.mutate({ mfaToken: pending.mfaToken, code: fresh[0] ?? '' });
  });
});

describe('an organization that requires MFA', () => {
  it('makes members enrol before their first session there, and will not let them turn it off', async () => {
    const strict = await createTenantWithMembers(api.database.db, 'Strict MFA');
    await setUserPassword(api.database.db, strict.users.member);
    await setSecuritySetting(api, strict.tenantId, 'mfaRequired', true);
    const pending = await pendingOf(strict.users.member);
    expect(pending.status).toBe('mfa_enrolment_required');
    // An enrolment token is not a verification token.
    expect(
      (await refusedWith(api.client().mfa.verify.mutate({ mfaToken: pending.mfaToken, code: '123456' }))).code,
    ).toBe('UNAUTHORIZED');
    const { secret } = await api.client().mfa.beginRequiredEnrolment.mutate({ mfaToken: pending.mfaToken });
    const done = await api.client().mfa.confirmRequiredEnrolment.mutate({
      mfaToken: pending.mfaToken,
      code: totpCode(secret),
      refreshTokenDelivery: 'body',
    });
    expect(done.recoveryCodes).toHaveLength(10);
    const client = api.client(done.session.accessToken);
    expect((await client.auth.whoami.query()).userId).toBe(strict.users.member);
    expect(
      await refusedWith(
        client.mfa.disable.mutate({ password: GOOD_PASSWORD, code: totpCode(secret, Date.now() + STEP_MS) }),
      ),
    ).toMatchObject({ code: 'PRECONDITION_FAILED', message: 'Strict MFA requires two-factor authentication' });
    // The enrolment token was spent.
    expect(
      (await refusedWith(api.client().mfa.beginRequiredEnrolment.mutate({ mfaToken: pending.mfaToken }))).code,
    ).toBe('UNAUTHORIZED');
  });

  it('is refused, not stored in the clear, when no encryption key is configured', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'No MFA Key');
    const identity = { ...api.deps.identity, secretBox: null };
    const refused = beginMfaEnrolment(identity, tenant.users.admin);
    await expect(refused).rejects.toThrow(DomainError);
    await expect(refused).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    const user = await api.database.db.inGlobal((em) => em.findOneOrFail(User, { id: tenant.users.admin }));
    expect(user.mfaPendingSecretEncrypted).toBeNull();
  });
});
