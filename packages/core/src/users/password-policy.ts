import { DomainError } from '../errors/domain-error.js';
import { COMMON_PASSWORDS } from './common-passwords.js';

export const PASSWORD_MIN_LENGTH = 8;
/** Long passphrases are welcome; the cap only bounds hashing work per request. */
export const PASSWORD_MAX_LENGTH = 256;

/** Why a password is refused, or null when it is acceptable (NIST 800-63B: length and blocklist). */
export function passwordProblem(password: string, email?: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters`;
  const lowered = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lowered)) return 'This password is too common; choose another';
  if (new Set(lowered).size === 1) return 'This password is too easy to guess; choose another';
  if (email && lowered === email.trim().toLowerCase()) return 'Do not use your email address as your password';
  return null;
}

export function assertAcceptablePassword(password: string, options: { email?: string; field?: string } = {}): void {
  const problem = passwordProblem(password, options.email);
  if (problem) throw new DomainError('BAD_REQUEST', problem, { fields: { [options.field ?? 'password']: problem } });
}
