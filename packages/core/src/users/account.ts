import { LockMode } from '@mikro-orm/core';
import { audit } from '../audit/audit.js';
import type { IdentityDeps } from '../auth/identity.js';
import { assertPassword } from '../auth/mfa.js';
import { endMemberSessions, forEachMembershipTenant } from '../auth/sessions.js';
import type { Actor } from '../db/database.js';
import { DomainError } from '../errors/domain-error.js';
import { enqueueAfterCommit } from '../services/effects.js';
import { hashPassword } from './password.js';
import { assertAcceptablePassword } from './password-policy.js';
import { consumePasswordToken, inspectPasswordToken, issuePasswordToken, setPasswordUrl } from './password-tokens.js';
import { normalizeEmail, User, type UserEntity } from './user.entity.js';

export interface Profile {
  id: string;
  email: string;
  fullName: string;
  mfaEnabled: boolean;
  platformOperator: boolean;
  lastSignInAt: Date | null;
  passwordChangedAt: Date | null;
}

function profileOf(user: UserEntity): Profile {
  return {
    id: user.id,
    email: user.email,
    fullName: user.fullName,
    mfaEnabled: Boolean(user.mfaEnabledAt),
    platformOperator: user.isPlatformOperator,
    lastSignInAt: user.lastSignInAt ?? null,
    passwordChangedAt: user.passwordChangedAt ?? null,
  };
}

export async function getProfile(identity: Pick<IdentityDeps, 'db'>, userId: string): Promise<Profile> {
  return identity.db.inGlobal(async (em) => profileOf(await em.findOneOrFail(User, { id: userId })));
}

export async function updateProfile(
  identity: Pick<IdentityDeps, 'db'>,
  input: { userId: string; fullName: string },
): Promise<Profile> {
  return identity.db.inGlobal(async (em) => {
    const user = await em.findOneOrFail(User, { id: input.userId });
    user.fullName = input.fullName.trim();
    return profileOf(user);
  });
}

/**
 * Emails a single-use reset link if the account exists and is active. The caller always gets the
 * same answer, at the same speed, so the form cannot be used to find out who has an account.
 */
export async function requestPasswordReset(identity: IdentityDeps, email: string, actor: Actor): Promise<void> {
  const normalized = normalizeEmail(email);
  const decision = await identity.throttle.passwordResetRequest(normalized, actor.ipAddress ?? null);
  if (typeof decision === 'number') {
    throw new DomainError('TOO_MANY_REQUESTS', 'Too many reset requests from your address; try again later', {
      retryAfterSeconds: decision,
    });
  }
  if (decision === 'drop') return;
  // Off the response path: an existing account must not answer measurably slower than a missing one.
  const issue = identity.db.inGlobal(async (em) => {
    const user = await em.findOne(User, { email: normalized });
    if (!user?.isActive) return;
    const token = issuePasswordToken(user, 'reset');
    const expiresAt = user.passwordTokenExpiresAt ?? new Date();
    const payload = {
      tenantId: null,
      to: user.email,
      template: 'password_reset' as const,
      dedupeKey: `password_reset:${user.id}:${user.passwordTokenHash?.slice(0, 16)}`,
      data: {
        recipientName: user.fullName,
        resetUrl: setPasswordUrl(identity.services.appUrl, token),
        expiresAt: expiresAt.toISOString(),
      },
    };
    enqueueAfterCommit(em, identity.services, 'email.send', payload);
  });
  issue.catch((error: unknown) => identity.db.onEffectError(error));
}

/** Whether a set-password link still works, and for whom; the link stays usable. */
export function checkPasswordLink(
  identity: IdentityDeps,
  token: string,
): Promise<{ email: string; purpose: 'welcome' | 'reset'; expiresAt: Date }> {
  return identity.db.inGlobal((em) => inspectPasswordToken(em, token));
}

/**
 * Sets a password from a welcome or reset link. The link works once and expires; it does not sign
 * the user in (MFA, if on, still applies at the next sign-in), and every session of the user, in
 * every organization, ends.
 */
export async function setPasswordWithToken(
  identity: IdentityDeps,
  input: { token: string; password: string },
  actor: Actor,
): Promise<{ email: string }> {
  const { user, purpose } = await identity.db.inGlobal(async (em) => {
    const consumed = await consumePasswordToken(em, input.token);
    assertAcceptablePassword(input.password, { email: consumed.user.email });
    consumed.user.passwordHash = await hashPassword(input.password);
    consumed.user.passwordChangedAt = new Date();
    return consumed;
  });
  await forEachMembershipTenant(identity, user.id, { ...actor, userId: user.id }, async (ctx) => {
    audit(ctx, {
      action: purpose === 'welcome' ? 'auth.password_set' : 'auth.password_reset',
      resourceType: 'user',
      resourceId: user.id,
    });
    await endMemberSessions(ctx, user.id, 'password_reset');
  });
  return { email: user.email };
}

/** Changes the password of a signed-in user; their other sessions, everywhere, end. */
export async function changePassword(
  identity: IdentityDeps,
  input: { userId: string; tenantId: number; sessionId: string; currentPassword: string; newPassword: string },
  actor: Actor,
): Promise<void> {
  await identity.db.inGlobal(async (em) => {
    const user = await em.findOneOrFail(User, { id: input.userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    await assertPassword(identity, user, input.currentPassword, actor, 'currentPassword');
    assertAcceptablePassword(input.newPassword, { email: user.email, field: 'newPassword' });
    user.passwordHash = await hashPassword(input.newPassword);
    user.passwordChangedAt = new Date();
  });
  await forEachMembershipTenant(identity, input.userId, actor, async (ctx) => {
    if (ctx.tenantId === input.tenantId) {
      audit(ctx, { action: 'auth.password_changed', resourceType: 'user', resourceId: input.userId });
    }
    await endMemberSessions(ctx, input.userId, 'password_changed', {
      exceptSessionId: ctx.tenantId === input.tenantId ? input.sessionId : undefined,
    });
  });
}
