import { randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { hashSecret } from './api-key-token.js';

const ISSUER = 'Digame Tenancy';
const PERIOD_SECONDS = 30;
/** One step either side tolerates clock drift and a code typed as it rolled over. */
const WINDOW = 1;

function totp(secretBase32: string, label = ''): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A fresh 160-bit TOTP secret, base32 as authenticator apps expect. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUri(secretBase32: string, accountLabel: string): string {
  return totp(secretBase32, accountLabel).toString();
}

export function totpCode(secretBase32: string, atMs = Date.now()): string {
  return totp(secretBase32).generate({ timestamp: atMs });
}

/** The time step a code belongs to, if it is valid now; the caller rejects steps already used. */
export function matchingTotpStep(secretBase32: string, code: string, atMs = Date.now()): number | null {
  const token = code.replace(/\s+/g, '');
  if (!/^[0-9]{6}$/.test(token)) return null;
  const generator = totp(secretBase32);
  const delta = generator.validate({ token, timestamp: atMs, window: WINDOW });
  return delta === null ? null : generator.counter({ timestamp: atMs }) + delta;
}

export function looksLikeTotpCode(code: string): boolean {
  return /^[0-9]{6}$/.test(code.replace(/\s+/g, ''));
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
export const RECOVERY_CODE_COUNT = 10;

/** Ten single-use codes of 50 bits each, shown once; only their sha256 is stored. */
export function generateRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
  return { codes, hashes: codes.map(hashRecoveryCode) };
}

export function hashRecoveryCode(code: string): string {
  return hashSecret(code.trim().toLowerCase().replaceAll('-', ''));
}
