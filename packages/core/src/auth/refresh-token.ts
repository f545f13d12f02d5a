import { randomBytes } from 'node:crypto';
import { hashSecret } from './api-key-token.js';

/**
 * Refresh tokens look like `dgr_<tenantId>_<sessionId hex>_<secret>`. Like API keys they carry
 * their tenant, so the refresh opens that tenant's unit of work and finds the session by id; only
 * the sha256 of the secret is stored.
 */
const PATTERN = /^dgr_([1-9][0-9]{0,9})_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export interface RefreshTokenParts {
  tenantId: number;
  sessionId: string;
  secret: string;
}

export function generateRefreshToken(tenantId: number, sessionId: string): { token: string; secretHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { token: `dgr_${tenantId}_${sessionId.replaceAll('-', '')}_${secret}`, secretHash: hashSecret(secret) };
}

export function parseRefreshToken(token: string): RefreshTokenParts | null {
  const match = PATTERN.exec(token);
  if (!match) return null;
  const hex = match[2] as string;
  const sessionId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { tenantId: Number(match[1]), sessionId, secret: match[3] as string };
}
