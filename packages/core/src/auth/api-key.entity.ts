import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { uuidv7 } from '../db/ids.js';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { User } from '../users/user.entity.js';
import type { Permission } from './permissions.js';

/**
 * A tenant's API key. The key itself is shown once; only the sha256 of its secret is stored, with
 * the readable prefix (`dgk_<tenant uuid>_<keyId>`) that identifies it in lists and logs.
 */
export const ApiKey = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    keyId: p.string().length(16),
    name: p.string().length(100),
    prefix: p.string().length(64),
    secretHash: p.string().length(64),
    scopes: p.json<Permission[]>(),
    createdBy: p.manyToOne(User).fieldName('created_by_user_id').nullable().deleteRule('set null'),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    expiresAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    revokedBy: p.manyToOne(User).fieldName('revoked_by_user_id').nullable().deleteRule('set null'),
  }),
  uniques: [{ properties: ['tenant', 'keyId'] }],
});

export type ApiKeyEntity = InferEntity<typeof ApiKey>;
