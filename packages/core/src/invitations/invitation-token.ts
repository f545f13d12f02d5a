import { randomBytes } from 'node:crypto';
import { hashSecret } from '../auth/api-key-token.js';

/**
 * Invitation tokens look like `inv_<tenantId>_<secret>`: the tenant lets acceptance open that
 * tenant's unit of work (RLS needs it) without a global lookup table; the secret is 32 random
 * bytes in base64url, of which only the sha256 is stored.
 */
const PATTERN = /^inv_([1-9][0-9]{0,9})_([A-Za-z0-9_-]{43})$/;

export function generateInvitationToken(tenantId: number): { token: string; tokenHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { token: `inv_${tenantId}_${secret}`, tokenHash: hashSecret(secret) };
}

export function parseInvitationToken(token: string): { tenantId: number; tokenHash: string } | null {
  const match = PATTERN.exec(token.trim());
  if (!match) return null;
  return { tenantId: Number(match[1]), tokenHash: hashSecret(match[2] as string) };
}
