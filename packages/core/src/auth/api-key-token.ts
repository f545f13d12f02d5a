import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `dgk_<tenantId>_<keyId>_<secret>`: the tenant and key id are readable (the
 * first part up to the key id is the prefix shown in the dashboard), the secret is 32 random bytes
 * in base64url and only its sha256 is stored. Carrying the tenant lets the request path find the
 * key's tenant without a global lookup table.
 */
const PATTERN = /^dgk_([1-9][0-9]{0,9})_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ApiKeyParts {
  tenantId: number;
  keyId: string;
  secret: string;
}

export function generateApiKey(tenantId: number): ApiKeyParts & { token: string; prefix: string; secretHash: string } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const token = `dgk_${tenantId}_${keyId}_${secret}`;
  return { tenantId, keyId, secret, token, prefix: `dgk_${tenantId}_${keyId}`, secretHash: hashSecret(secret) };
}

export function parseApiKey(token: string): ApiKeyParts | null {
  const match = PATTERN.exec(token);
  if (!match) return null;
  return { tenantId: Number(match[1]), keyId: match[2] as string, secret: match[3] as string };
}

export function isApiKeyToken(token: string): boolean {
  return token.startsWith('dgk_');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, expectedHash: string): boolean {
  const actual = Buffer.from(hashSecret(secret), 'hex');
  const expected = Buffer.from(expectedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
