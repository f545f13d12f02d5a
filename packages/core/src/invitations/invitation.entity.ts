import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { uuidv7 } from '../db/ids.js';
import { tenantFilter } from '../db/tenant-scope.js';
import { ROLES } from '../members/roles.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { User } from '../users/user.entity.js';

/**
 * An invitation to join a tenant. Only a hash of the token is stored; the token itself carries
 * the tenant so acceptance can open that tenant's unit of work before looking the hash up.
 */
export const TenantInvitation = defineEntity({
  name: 'TenantInvitation',
  tableName: 'tenant_invitations',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    email: p.string().length(255),
    role: p.enum([...ROLES]).default('member'),
    invitedBy: p.manyToOne(User).fieldName('invited_by_user_id').nullable().deleteRule('set null'),
    invitationTokenHash: p.string().length(128),
    expiresAt: p.datetime(),
    acceptedAt: p.datetime().nullable(),
    acceptedBy: p.manyToOne(User).fieldName('accepted_by_user_id').nullable().deleteRule('set null'),
    revokedAt: p.datetime().nullable(),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
  }),
  uniques: [{ properties: ['tenant', 'invitationTokenHash'] }],
  // Duplicate-invitation and seat checks look pending invitations up by address.
  indexes: [{ properties: ['tenant', 'email'] }],
});

export type TenantInvitationEntity = InferEntity<typeof TenantInvitation>;
