import { LockMode } from '@mikro-orm/core';
import QRCode from 'qrcode';
import { audit } from '../audit/audit.js';
import type { Actor } from '../db/database.js';
import { DomainError } from '../errors/domain-error.js';
import { tenantContext } from '../services/context.js';
import { verifyPassword } from '../users/password.js';
import { User, type UserEntity } from '../users/user.entity.js';
import { type IdentityDeps, requireSecretBox } from './identity.js';
import { spendSecondFactor } from './second-factor.js';
import { endMemberSessions, forEachMembershipTenant } from './sessions.js';
import { generateRecoveryCodes, matchingTotpStep, newTotpSecret, totpUri } from './totp.js';

export interface MfaEnrolment {
  /** Base32, for typing into an authenticator by hand. */
  secret: string;
  otpauthUri: string;
  /** The otpauth URI as a PNG data URL, for scanning. */
  qrCodeDataUrl: string;
}

export interface MfaStatus {
  enabled: boolean;
  enabledAt: Date | null;
  recoveryCodesLeft: number;
}

const invalidCode = () =>
  new DomainError('UNAUTHORIZED', 'That code is not valid (or was already used)', {
    fields: { code: 'not valid or already used' },
  });

export function mfaStatus(user: UserEntity): MfaStatus {
  return {
    enabled: user.mfaEnabledAt !== null && user.mfaEnabledAt !== undefined,
    enabledAt: user.mfaEnabledAt ?? null,
    recoveryCodesLeft: user.mfaRecoveryCodeHashes.length,
  };
}

/** Starts (or restarts) enrolment: a new secret, kept encrypted until a code confirms it. */
export async function beginMfaEnrolment(identity: IdentityDeps, userId: string): Promise<MfaEnrolment> {
  const secretBox = requireSecretBox(identity);
  const { secret, email } = await identity.db.inGlobal(async (em) => {
    const user = await em.findOneOrFail(User, { id: userId });
    if (user.mfaEnabledAt) throw new DomainError('CONFLICT', 'Two-factor authentication is already on');
    const fresh = newTotpSecret();
    user.mfaPendingSecretEncrypted = secretBox.seal(fresh, user.id);
    return { secret: fresh, email: user.email };
  });
  const otpauthUri = totpUri(secret, email);
  return { secret, otpauthUri, qrCodeDataUrl: await QRCode.toDataURL(otpauthUri) };
}

/**
 * Turns MFA on once a code from the new secret checks out, hands out ten recovery codes (shown
 * once) and ends the user's sessions everywhere — the caller issues a fresh one for whoever asked.
 */
export async function confirmMfaEnrolment(
  identity: IdentityDeps,
  input: { userId: string; code: string },
  actor: Actor,
): Promise<{ recoveryCodes: string[] }> {
  const recoveryCodes = await identity.db.inGlobal(async (em) => {
    const user = await em.findOneOrFail(User, { id: input.userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (user.mfaEnabledAt) throw new DomainError('CONFLICT', 'Two-factor authentication is already on');
    if (!user.mfaPendingSecretEncrypted) {
      throw new DomainError('PRECONDITION_FAILED', 'Start enrolment first: no secret is waiting for confirmation');
    }
    const secret = requireSecretBox(identity).open(user.mfaPendingSecretEncrypted, user.id);
    const step = matchingTotpStep(secret, input.code);
    if (step === null) throw invalidCode();
    const { codes, hashes } = generateRecoveryCodes();
    user.mfaSecretEncrypted = user.mfaPendingSecretEncrypted;
    user.mfaPendingSecretEncrypted = null;
    user.mfaEnabledAt = new Date();
    user.mfaLastUsedStep = step;
    user.mfaRecoveryCodeHashes = hashes;
    return codes;
  });
  await forEachMembershipTenant(identity, input.userId, actor, async (ctx) => {
    audit(ctx, { action: 'mfa.enabled', resourceType: 'user', resourceId: input.userId });
    await endMemberSessions(ctx, input.userId, 'mfa_changed');
  });
  return { recoveryCodes };
}

/** Turns MFA off; needs the password and a current code (or recovery code). Ends sessions everywhere. */
export async function disableMfa(
  identity: IdentityDeps,
  input: { userId: string; password: string; code: string },
  actor: Actor,
): Promise<void> {
  await identity.db.inGlobal(async (em) => {
    const user = await em.findOneOrFail(User, { id: input.userId });
    if (!user.mfaEnabledAt) throw new DomainError('PRECONDITION_FAILED', 'Two-factor authentication is not on');
    await assertPassword(identity, user, input.password, actor);
    if (!(await spendSecondFactor(em, requireSecretBox(identity), user, input.code))) throw invalidCode();
    user.mfaSecretEncrypted = null;
    user.mfaPendingSecretEncrypted = null;
    user.mfaEnabledAt = null;
    user.mfaLastUsedStep = null;
    user.mfaRecoveryCodeHashes = [];
  });
  await forEachMembershipTenant(identity, input.userId, actor, async (ctx) => {
    audit(ctx, { action: 'mfa.disabled', resourceType: 'user', resourceId: input.userId });
    await endMemberSessions(ctx, input.userId, 'mfa_changed');
  });
}

/** Replaces the recovery codes (the old ones stop working); needs a current code. */
export async function regenerateRecoveryCodes(
  identity: IdentityDeps,
  input: { userId: string; tenantId: number; code: string },
  actor: Actor,
): Promise<{ recoveryCodes: string[] }> {
  const recoveryCodes = await identity.db.inGlobal(async (em) => {
    const user = await em.findOneOrFail(User, { id: input.userId });
    if (!user.mfaEnabledAt) throw new DomainError('PRECONDITION_FAILED', 'Two-factor authentication is not on');
    if (!(await spendSecondFactor(em, requireSecretBox(identity), user, input.code))) throw invalidCode();
    const { codes, hashes } = generateRecoveryCodes();
    user.mfaRecoveryCodeHashes = hashes;
    return codes;
  });
  await identity.db.inTenant(input.tenantId, async (em) => {
    audit(tenantContext(em, input.tenantId, actor, identity.services), {
      action: 'mfa.recovery_codes_regenerated',
      resourceType: 'user',
      resourceId: input.userId,
    });
  });
  return { recoveryCodes };
}

/** A password check inside an account change, throttled like sign-in. */
export async function assertPassword(
  identity: IdentityDeps,
  user: UserEntity,
  password: string,
  actor: Actor,
  field = 'password',
): Promise<void> {
  const address = actor.ipAddress ?? null;
  const wait = await identity.throttle.retryAfterSeconds(user.email, address);
  if (wait > 0) {
    throw new DomainError('TOO_MANY_REQUESTS', 'Too many failed attempts; try again later', {
      retryAfterSeconds: wait,
    });
  }
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, password))) {
    await identity.throttle.recordFailure(user.email, address);
    throw new DomainError('BAD_REQUEST', 'The password is not correct', { fields: { [field]: 'is not correct' } });
  }
}
