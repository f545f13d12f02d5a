import { randomBytes } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { hashSecret, secretMatches } from '../auth/api-key-token.js';
import { DomainError } from '../errors/domain-error.js';
import { type PasswordTokenPurpose, User, type UserEntity } from './user.entity.js';

/**
 * Set-password links (welcome and reset) carry `dgp_<user id hex>_<secret>`: the user id finds the
 * row, whose columns hold the sha256 of the one outstanding secret, its purpose and its expiry.
 * Issuing a new link voids the previous one; using a link clears it (single use).
 */
const PATTERN = /^dgp_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export const PASSWORD_TOKEN_TTL_MS: Record<PasswordTokenPurpose, number> = {
  welcome: 7 * 24 * 60 * 60 * 1000,
  reset: 60 * 60 * 1000,
};

export function issuePasswordToken(user: UserEntity, purpose: PasswordTokenPurpose, now = new Date()): string {
  const secret = randomBytes(32).toString('base64url');
  user.passwordTokenHash = hashSecret(secret);
  user.passwordTokenPurpose = purpose;
  user.passwordTokenExpiresAt = new Date(now.getTime() + PASSWORD_TOKEN_TTL_MS[purpose]);
  return `dgp_${user.id.replaceAll('-', '')}_${secret}`;
}

export function setPasswordUrl(appUrl: string, token: string): string {
  const url = new URL('/set-password', appUrl);
  url.searchParams.set('token', token);
  return url.toString();
}

const INVALID = () =>
  new DomainError('BAD_REQUEST', 'This link is invalid, already used or expired; ask for a new one', {
    fields: { token: 'invalid, already used or expired' },
  });

/** The user a valid, unexpired link belongs to, or null; locked for an update when asked. */
async function tokenOwner(
  em: EntityManager,
  token: string,
  now: Date,
  lock: boolean,
): Promise<{ user: UserEntity; purpose: PasswordTokenPurpose; expiresAt: Date } | null> {
  const match = PATTERN.exec(token.trim());
  if (!match) return null;
  const hex = match[1] as string;
  const userId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const user = await em.findOne(User, { id: userId }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
  if (
    !user?.isActive ||
    !user.passwordTokenHash ||
    !user.passwordTokenPurpose ||
    !user.passwordTokenExpiresAt ||
    user.passwordTokenExpiresAt <= now ||
    !secretMatches(match[2] as string, user.passwordTokenHash)
  ) {
    return null;
  }
  return { user, purpose: user.passwordTokenPurpose, expiresAt: user.passwordTokenExpiresAt };
}

/**
 * What a link is for, without using it: the set-password page says "this link is used or expired"
 * before anyone types a password.
 */
export async function inspectPasswordToken(
  em: EntityManager,
  token: string,
  now = new Date(),
): Promise<{ email: string; purpose: PasswordTokenPurpose; expiresAt: Date }> {
  const owner = await tokenOwner(em, token, now, false);
  if (!owner) throw INVALID();
  return { email: owner.user.email, purpose: owner.purpose, expiresAt: owner.expiresAt };
}

/** The user a valid, unexpired link belongs to, locked for the update; the link is cleared. */
export async function consumePasswordToken(
  em: EntityManager,
  token: string,
  now = new Date(),
): Promise<{ user: UserEntity; purpose: PasswordTokenPurpose }> {
  const owner = await tokenOwner(em, token, now, true);
  if (!owner) throw INVALID();
  const { user, purpose } = owner;
  user.passwordTokenHash = null;
  user.passwordTokenPurpose = null;
  user.passwordTokenExpiresAt = null;
  return { user, purpose };
}
