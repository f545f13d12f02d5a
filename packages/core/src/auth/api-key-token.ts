import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { compactUuid, expandUuid } from '../db/ids.js';

/**
 * API keys look like `dgk_<tenant uuid, 32 hex>_<keyId>_<secret>`: the tenant's public id and the
 * key id are readable (the part up to the key id is the prefix shown in the dashboard), the secret
 * is 32 random bytes in base64url and only its sha256 is stored. Carrying the tenant lets the
 * request path find the key's tenant facts without a global lookup table; the tenant is trusted
 * only once the secret has matched.
 */
const PATTERN = /^dgk_([0-9a-f]{32})_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ApiKeyParts {
  /** The tenant's public uuid. */
  tenantUuid: string;
  keyId: string;
  secret: string;
}

export function generateApiKey(
  tenantUuid: string,
): ApiKeyParts & { token: string; prefix: string; secretHash: string } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const prefix = `dgk_${compactUuid(tenantUuid)}_${keyId}`;
  return { tenantUuid, keyId, secret, token: `${prefix}_${secret}`, prefix, secretHash: hashSecret(secret) };
}

export function parseApiKey(token: string): ApiKeyParts | null {
  const match = PATTERN.exec(token);
  const tenantUuid = match ? expandUuid(match[1] as string) : null;
  if (!match || !tenantUuid) return null;
  return { tenantUuid, keyId: match[2] as string, secret: match[3] as string };
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
