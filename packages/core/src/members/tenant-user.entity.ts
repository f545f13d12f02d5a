import { defineEntity, type InferEntity } from '@mikro-orm/core';
import type { PermissionOverrides } from '../auth/permissions.js';
import { uuidv7 } from '../db/ids.js';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { User } from '../users/user.entity.js';
import { ROLES } from './roles.js';

/** A membership: one user in one tenant, with a role. */
export const TenantUser = defineEntity({
  name: 'TenantUser',
  tableName: 'tenant_users',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    user: p.manyToOne(User),
    role: p.enum([...ROLES]).default('member'),
    permissions: p.json<PermissionOverrides>().default('{}'),
    isActive: p.boolean().default(true),
    joinedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    lastActiveAt: p.datetime().nullable(),
    updatedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
  uniques: [{ properties: ['tenant', 'user'] }],
});

export type TenantUserEntity = InferEntity<typeof TenantUser>;
