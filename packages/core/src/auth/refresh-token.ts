import { randomBytes } from 'node:crypto';
import { compactUuid, expandUuid } from '../db/ids.js';
import { hashSecret } from './api-key-token.js';

/**
 * Refresh tokens look like `dgr_<tenant uuid, 32 hex>_<sessionId, 32 hex>_<secret>`. Like API keys
 * they carry their tenant's public id, so the refresh opens that tenant's unit of work and finds
 * the session by id; only the sha256 of the secret is stored.
 */
const PATTERN = /^dgr_([0-9a-f]{32})_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export interface RefreshTokenParts {
  /** The tenant's public uuid. */
  tenantUuid: string;
  sessionId: string;
  secret: string;
}

export function generateRefreshToken(tenantUuid: string, sessionId: string): { token: string; secretHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return {
    token: `dgr_${compactUuid(tenantUuid)}_${compactUuid(sessionId)}_${secret}`,
    secretHash: hashSecret(secret),
  };
}

export function parseRefreshToken(token: string): RefreshTokenParts | null {
  const match = PATTERN.exec(token);
  if (!match) return null;
  const tenantUuid = expandUuid(match[1] as string);
  const sessionId = expandUuid(match[2] as string);
  if (!tenantUuid || !sessionId) return null;
  return { tenantUuid, sessionId, secret: match[3] as string };
}
