import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors/domain-error.js';
import { passwordProblem } from '../users/password-policy.js';
import { generateApiKey, parseApiKey } from './api-key-token.js';
import { normalizeCidr, validateIpAllowlistChange } from './ip-allowlist.js';
import { generateRefreshToken, parseRefreshToken } from './refresh-token.js';
import { SecretBox } from './secret-box.js';
import { generateRecoveryCodes, hashRecoveryCode, matchingTotpStep, newTotpSecret, totpCode } from './totp.js';

describe('TOTP', () => {
  it('accepts the current code and one step either side, and names the step each belongs to', () => {
    const secret = newTotpSecret();
    const now = Date.now();
    const step = Math.floor(now / 30_000);
    expect(matchingTotpStep(secret, totpCode(secret, now), now)).toBe(step);
    expect(matchingTotpStep(secret, totpCode(secret, now - 30_000), now)).toBe(step - 1);
    expect(matchingTotpStep(secret, totpCode(secret, now + 30_000), now)).toBe(step + 1);
    expect(matchingTotpStep(secret, totpCode(secret, now - 90_000), now)).toBeNull();
    expect(matchingTotpStep(secret, 'abcdef', now)).toBeNull();
    expect(matchingTotpStep(newTotpSecret(), totpCode(secret, now), now)).toBeNull();
  });

  it('makes ten distinct recovery codes whose hashes ignore case and dashes', () => {
    const { codes, hashes } = generateRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    expect(codes[0]).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect(hashRecoveryCode((codes[0] ?? '').toUpperCase().replace('-', ''))).toBe(hashes[0]);
  });
});

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips, never shows the plaintext, and refuses a ciphertext moved to another record or tampered with', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'user-1');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed, 'user-1')).toBe('JBSWY3DPEHPK3PXP');
    expect(() => box.open(sealed, 'user-2')).toThrow();
    const parts = sealed.split(':');
    parts[3] = Buffer.from('AAAAAAAAAAAAAAAA').toString('base64url');
    expect(() => box.open(parts.join(':'), 'user-1')).toThrow();
    expect(() => new SecretBox(randomBytes(16)).open(sealed, 'user-1')).toThrow();
  });
});

describe('API keys', () => {
  it('name their tenant by its public uuid, never by its sequential id', () => {
    const tenantUuid = '0192f3a4-0000-7000-8000-00000000002a';
    const key = generateApiKey(tenantUuid);
    expect(key.prefix).toMatch(/^dgk_0192f3a400007000800000000000002a_[0-9a-f]{16}$/);
    expect(parseApiKey(key.token)).toEqual({ tenantUuid, keyId: key.keyId, secret: key.secret });
    expect(parseApiKey(`dgk_42_${key.keyId}_${key.secret}`)).toBeNull();
  });
});

describe('refresh tokens', () => {
  it('carry their tenant and session', () => {
    const sessionId = '0192f3a4-1b2c-7d3e-8f40-123456789abc';
    const tenantUuid = '0192f3a4-0000-7000-8000-00000000002a';
    const { token, secretHash } = generateRefreshToken(tenantUuid, sessionId);
    expect(parseRefreshToken(token)).toMatchObject({ tenantUuid, sessionId });
    expect(token.startsWith('dgr_0192f3a400007000800000000000002a_')).toBe(true);
    expect(token).not.toContain(secretHash);
    expect(parseRefreshToken(`${token}x`)).toBeNull();
    expect(parseRefreshToken(token.replace('dgr_0192f3a4', 'dgr_42'))).toBeNull();
  });
});

describe('password policy', () => {
  it.each([
    ['short', 'Use at least 8 characters'],
    ['Password1', 'This password is too common; choose another'],
    ['aaaaaaaaaaaa', 'This password is too easy to guess; choose another'],
    ['x'.repeat(257), 'Use at most 256 characters'],
  ])('refuses %s', (password, problem) => {
    expect(passwordProblem(password)).toBe(problem);
  });

  it('accepts long passphrases, and refuses the account’s own email', () => {
    expect(passwordProblem('correct horse battery staple')).toBeNull();
    expect(passwordProblem(`${'long passphrase '.repeat(10)}`)).toBeNull();
    expect(passwordProblem('ada@example.test', 'Ada@Example.test')).toMatch(/email/);
  });
});

describe('IP allowlist changes', () => {
  it('normalise entries, and refuse malformed ones with a field message per entry', () => {
    expect(normalizeCidr('10.0.0.1')).toBe('10.0.0.1/32');
    expect(normalizeCidr('2001:db8::/32')).toBe('2001:db8::/32');
    expect(normalizeCidr('10.0.0.0/33')).toBeNull();
    try {
      validateIpAllowlistChange(['10.0.0.0/8', 'nonsense'], '10.1.2.3');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).fields).toEqual({
        'ipAllowlist.1': '"nonsense" is not an IP address or CIDR block',
      });
    }
  });

  it('refuse a list that would lock out the member saving it', () => {
    expect(validateIpAllowlistChange(['10.0.0.0/8'], '10.1.2.3')).toEqual(['10.0.0.0/8']);
    expect(validateIpAllowlistChange([], '192.0.2.1')).toEqual([]);
    expect(() => validateIpAllowlistChange(['10.0.0.0/8'], '192.0.2.1')).toThrow(/would lock you out/);
    expect(() => validateIpAllowlistChange(['10.0.0.0/8'], '::ffff:192.0.2.1')).toThrow(/would lock you out/);
  });
});
