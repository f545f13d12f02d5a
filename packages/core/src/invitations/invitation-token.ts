import { randomBytes } from 'node:crypto';
import { hashSecret } from '../auth/api-key-token.js';
import { compactUuid, expandUuid } from '../db/ids.js';

/**
 * Invitation tokens look like `inv_<tenant uuid, 32 hex>_<secret>`: the tenant's public id lets
 * acceptance open that tenant's unit of work (RLS needs it) without a global lookup table; the
 * secret is 32 random bytes in base64url, of which only the sha256 is stored.
 */
const PATTERN = /^inv_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export function generateInvitationToken(tenantUuid: string): { token: string; tokenHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { token: `inv_${compactUuid(tenantUuid)}_${secret}`, tokenHash: hashSecret(secret) };
}

export function parseInvitationToken(token: string): { tenantUuid: string; tokenHash: string } | null {
  const match = PATTERN.exec(token.trim());
  const tenantUuid = match ? expandUuid(match[1] as string) : null;
  if (!match || !tenantUuid) return null;
  return { tenantUuid, tokenHash: hashSecret(match[2] as string) };
}
