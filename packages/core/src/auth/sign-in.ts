import { randomBytes } from 'node:crypto';
import { audit } from '../audit/audit.js';
import type { Actor } from '../db/database.js';
import { DomainError } from '../errors/domain-error.js';
import type { Role } from '../members/roles.js';
import { tenantContext } from '../services/context.js';
import type { TenantFacts } from '../tenants/tenant-directory.js';
import { type MembershipSummary, membershipsOf } from '../users/memberships.js';
import { hashPassword, needsRehash, verifyPassword } from '../users/password.js';
import { normalizeEmail, User, type UserEntity } from '../users/user.entity.js';
import { InvalidTokenError } from './access-token.js';
import { type IdentityDeps, requireSecretBox } from './identity.js';
import { beginMfaEnrolment, confirmMfaEnrolment, type MfaEnrolment } from './mfa.js';
import { MFA_CHALLENGE_TTL_SECONDS, type MfaChallenge } from './mfa-challenges.js';
import { spendSecondFactor } from './second-factor.js';
import { type IssuedSession, issueSession } from './sessions.js';
import { assertTenantAdmits } from './tenant-standing.js';

export type SignInOutcome =
  | { status: 'signed_in'; session: IssuedSession }
  | {
      /** mfa_required: send a code with mfa.verify; mfa_enrolment_required: the tenant demands MFA, enrol first. */
      status: 'mfa_required' | 'mfa_enrolment_required';
      mfaToken: string;
      expiresAt: Date;
      /** `id` is the tenant's public uuid. */
      tenant: { id: string; slug: string; name: string };
    };

const WRONG_CREDENTIALS = 'Invalid email or password';

/**
 * A hash of a random password, verified against when the email is unknown or has no password,
 * so that answer costs the same Argon2 work as a wrong password.
 */
let dummyHash: Promise<string> | undefined;
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

function throttled(retryAfterSeconds: number): DomainError {
  return new DomainError('TOO_MANY_REQUESTS', 'Too many failed sign-in attempts; try again later', {
    retryAfterSeconds,
    details: { reason: 'sign_in_throttled', retryAfterSeconds },
  });
}

/**
 * Email + password → a session in one of the user's organizations (the one named, else the one
 * used most recently), or an MFA step first. Unknown emails, wrong passwords and disabled accounts
 * get the same answer after the same hashing work; failures are throttled per account and address.
 */
export async function signIn(
  identity: IdentityDeps,
  input: { email: string; password: string; tenantSlug?: string },
  actor: Actor,
): Promise<SignInOutcome> {
  const email = normalizeEmail(input.email);
  const address = actor.ipAddress ?? null;
  const wait = await identity.throttle.retryAfterSeconds(email, address);
  if (wait > 0) throw throttled(wait);

  const user = await identity.db.inGlobal((em) => em.findOne(User, { email }));
  const passwordOk = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), input.password);
  if (!user || !passwordOk || !user.isActive) {
    await identity.throttle.recordFailure(email, address);
    const reason = !passwordOk ? 'wrong_password' : 'account_disabled';
    // Recorded off the response path, so a known account does not answer measurably slower.
    auditSignInFailure(identity, { email, user, tenantSlug: input.tenantSlug, reason }, actor).catch((error) =>
      identity.db.onEffectError(error),
    );
    throw new DomainError('UNAUTHORIZED', WRONG_CREDENTIALS);
  }
  if (user.passwordHash && needsRehash(user.passwordHash)) {
    const rehashed = await hashPassword(input.password);
    await identity.db.inGlobal(async (em) => {
      await em.nativeUpdate(User, { id: user.id }, { passwordHash: rehashed });
    });
  }

  const memberships = await identity.db.inGlobal((em) => membershipsOf(em, user.id));
  const membership = chooseMembership(memberships, input.tenantSlug);
  const tenant = await identity.services.tenants.get(membership.tenantId);
  if (!tenant) throw new DomainError('FORBIDDEN', 'You are not an active member of this organization');
  assertTenantAdmits(tenant, address);
  await identity.throttle.recordSuccess(email, address);

  if (user.mfaEnabledAt) return mfaStep(identity, { user, tenant, role: membership.role, purpose: 'verify' });
  if (tenant.mfaRequired) return mfaStep(identity, { user, tenant, role: membership.role, purpose: 'enrol' });
  return {
    status: 'signed_in',
    session: await issueSession(identity, { tenant, userId: user.id, actor, method: 'password' }),
  };
}

function chooseMembership(memberships: MembershipSummary[], tenantSlug?: string): MembershipSummary {
  const active = memberships.filter((membership) => membership.isActive);
  if (tenantSlug !== undefined) {
    const named = active.find((membership) => membership.tenantSlug === tenantSlug.trim().toLowerCase());
    if (!named) throw new DomainError('FORBIDDEN', 'You are not an active member of this organization');
    return named;
  }
  // Prefer an organization that is not suspended; a suspended one still answers with its reason.
  const chosen = active.find((membership) => membership.tenantActive) ?? active[0];
  if (!chosen) throw new DomainError('FORBIDDEN', 'Your account is not an active member of any organization');
  return chosen;
}

async function mfaStep(
  identity: IdentityDeps,
  input: { user: UserEntity; tenant: TenantFacts; role: Role; purpose: MfaChallenge['purpose'] },
): Promise<SignInOutcome> {
  const challengeId = await identity.mfaChallenges.create({
    userId: input.user.id,
    tenantId: input.tenant.id,
    tenantUuid: input.tenant.uuid,
    purpose: input.purpose,
  });
  const mfaToken = await identity.tokens.sign(
    { typ: 'mfa_pending', sub: input.user.id, tid: input.tenant.uuid, sid: challengeId, role: input.role },
    MFA_CHALLENGE_TTL_SECONDS,
  );
  return {
    status: input.purpose === 'verify' ? 'mfa_required' : 'mfa_enrolment_required',
    mfaToken,
    expiresAt: new Date(Date.now() + MFA_CHALLENGE_TTL_SECONDS * 1000),
    tenant: { id: input.tenant.uuid, slug: input.tenant.slug, name: input.tenant.name },
  };
}

/**
 * A failed sign-in is recorded only in an organization the account really belongs to: the one
 * named, if the account is an active member there, else the one it would sign in to. So no
 * admin learns about accounts of other organizations by naming their own, and no stranger writes
 * into the trail of an organization the account is not in. An unknown email is recorded nowhere.
 */
async function auditSignInFailure(
  identity: IdentityDeps,
  input: { email: string; user: UserEntity | null; tenantSlug?: string; reason: string },
  actor: Actor,
): Promise<void> {
  const user = input.user;
  if (!user) return;
  const memberships = await identity.db.inGlobal((em) => membershipsOf(em, user.id));
  const active = memberships.filter((membership) => membership.isActive);
  const slug = input.tenantSlug?.trim().toLowerCase();
  const membership =
    active.find((candidate) => slug !== undefined && candidate.tenantSlug === slug) ??
    active.find((candidate) => candidate.tenantActive) ??
    active[0];
  if (!membership) return;
  await identity.db.inTenant(membership.tenantId, async (em) => {
    audit(tenantContext(em, membership.tenantId, { ...actor, userId: null }, identity.services), {
      action: 'auth.sign_in_failed',
      resourceType: 'user',
      resourceId: user.id,
      details: { email: input.email, reason: input.reason },
    });
  });
}

/** The challenge an MFA-pending token stands for, if it is still open. */
async function openChallenge(
  identity: IdentityDeps,
  mfaToken: string,
  purpose: MfaChallenge['purpose'],
): Promise<{ challengeId: string; challenge: MfaChallenge }> {
  const expired = () => new DomainError('UNAUTHORIZED', 'This sign-in attempt has expired; sign in again');
  let claims: Awaited<ReturnType<IdentityDeps['tokens']['verify']>>;
  try {
    claims = await identity.tokens.verify(mfaToken, 'mfa_pending');
  } catch (error) {
    if (error instanceof InvalidTokenError) throw expired();
    throw error;
  }
  const challenge = await identity.mfaChallenges.get(claims.sid);
  if (
    !challenge ||
    challenge.purpose !== purpose ||
    challenge.userId !== claims.sub ||
    challenge.tenantUuid !== claims.tid
  ) {
    throw expired();
  }
  return { challengeId: claims.sid, challenge };
}

async function finishChallenge(
  identity: IdentityDeps,
  challengeId: string,
  challenge: MfaChallenge,
  actor: Actor,
  method: string,
): Promise<IssuedSession> {
  if (!(await identity.mfaChallenges.consume(challengeId))) {
    throw new DomainError('UNAUTHORIZED', 'This sign-in attempt has expired; sign in again');
  }
  const tenant = await identity.services.tenants.get(challenge.tenantId);
  if (!tenant) throw new DomainError('FORBIDDEN', 'You are not an active member of this organization');
  assertTenantAdmits(tenant, actor.ipAddress ?? null);
  return issueSession(identity, { tenant, userId: challenge.userId, actor, method });
}

/** Second step of sign-in: a TOTP code (each usable once) or a recovery code. */
export async function verifyMfaSignIn(
  identity: IdentityDeps,
  input: { mfaToken: string; code: string },
  actor: Actor,
): Promise<IssuedSession> {
  const { challengeId, challenge } = await openChallenge(identity, input.mfaToken, 'verify');
  const address = actor.ipAddress ?? null;
  const user = await identity.db.inGlobal((em) => em.findOneOrFail(User, { id: challenge.userId }));
  const wait = await identity.throttle.retryAfterSeconds(user.email, address);
  if (wait > 0) throw throttled(wait);
  const factor = await identity.db.inGlobal((em) =>
    spendSecondFactor(em, requireSecretBox(identity), user, input.code),
  );
  if (!factor) {
    await Promise.all([
      identity.mfaChallenges.recordFailure(challengeId),
      identity.throttle.recordFailure(user.email, address),
      identity.db.inTenant(challenge.tenantId, async (em) => {
        audit(tenantContext(em, challenge.tenantId, { ...actor, userId: user.id }, identity.services), {
          action: 'auth.mfa_failed',
          resourceType: 'user',
          resourceId: user.id,
        });
      }),
    ]);
    throw new DomainError('UNAUTHORIZED', 'That code is not valid (or was already used)', {
      fields: { code: 'not valid or already used' },
    });
  }
  const session = await finishChallenge(identity, challengeId, challenge, actor, `password+${factor}`);
  if (factor === 'recovery_code') {
    await identity.db.inTenant(challenge.tenantId, async (em) => {
      audit(tenantContext(em, challenge.tenantId, { ...actor, userId: user.id }, identity.services), {
        action: 'mfa.recovery_code_used',
        resourceType: 'user',
        resourceId: user.id,
        details: { recoveryCodesLeft: user.mfaRecoveryCodeHashes.length - 1 },
      });
    });
  }
  return session;
}

/** Enrolment demanded by the tenant during sign-in: step one, the secret and QR code. */
export async function beginRequiredEnrolment(identity: IdentityDeps, mfaToken: string): Promise<MfaEnrolment> {
  const { challenge } = await openChallenge(identity, mfaToken, 'enrol');
  return beginMfaEnrolment(identity, challenge.userId);
}

/** Enrolment demanded by the tenant during sign-in: step two, confirm a code and sign in. */
export async function confirmRequiredEnrolment(
  identity: IdentityDeps,
  input: { mfaToken: string; code: string },
  actor: Actor,
): Promise<{ recoveryCodes: string[]; session: IssuedSession }> {
  const { challengeId, challenge } = await openChallenge(identity, input.mfaToken, 'enrol');
  const { recoveryCodes } = await confirmMfaEnrolment(
    identity,
    { userId: challenge.userId, code: input.code },
    { ...actor, userId: challenge.userId },
  );
  const session = await finishChallenge(identity, challengeId, challenge, actor, 'password+totp_enrolment');
  return { recoveryCodes, session };
}

/** A session in another organization of the same user (named by its public uuid), without signing in again. */
export async function switchTenant(
  identity: IdentityDeps,
  input: { userId: string; tenantUuid: string },
  actor: Actor,
): Promise<IssuedSession> {
  const notMember = () => new DomainError('FORBIDDEN', 'You are not an active member of this organization');
  const { user, memberships } = await identity.db.inGlobal(async (em) => ({
    user: await em.findOneOrFail(User, { id: input.userId }),
    memberships: await membershipsOf(em, input.userId),
  }));
  const membership = memberships.find((m) => m.tenantUuid === input.tenantUuid && m.isActive);
  if (!membership) throw notMember();
  const tenant = await identity.services.tenants.get(membership.tenantId);
  if (!tenant) throw notMember();
  assertTenantAdmits(tenant, actor.ipAddress ?? null);
  if (tenant.mfaRequired && !user.mfaEnabledAt) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `${tenant.name} requires two-factor authentication; turn it on first`,
      {
        details: { reason: 'mfa_required' },
      },
    );
  }
  return issueSession(identity, { tenant, userId: input.userId, actor, method: 'tenant_switch' });
}
