import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { uuidv7 } from '../db/ids.js';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { User } from '../users/user.entity.js';

/**
 * A signed-in session in one tenant: the source of truth behind the Redis SessionRecord the request
 * path reads. Only hashes of refresh tokens are kept; the hashes of rotated ones stay so a replayed
 * old token is recognised (and ends the session) rather than merely refused.
 */
export const AuthSession = defineEntity({
  name: 'AuthSession',
  tableName: 'auth_sessions',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    user: p.manyToOne(User).deleteRule('cascade'),
    /** sha256 of the current refresh token's secret, hex. */
    refreshTokenHash: p.string().length(64),
    /** sha256 of rotated refresh tokens, newest first, capped. */
    previousRefreshTokenHashes: p.json<string[]>().default('[]'),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    /** Last sign-in or refresh (not every request: the request path never writes PostgreSQL). */
    lastUsedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    absoluteExpiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
    revokedReason: p.string().length(50).nullable(),
    ipAddress: p.string().columnType('inet').nullable(),
    userAgent: p.text().nullable(),
  }),
  indexes: [{ properties: ['tenant', 'user'] }],
});

export type AuthSessionEntity = InferEntity<typeof AuthSession>;
