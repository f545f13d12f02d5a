import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { uuidv7 } from '../db/ids.js';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { User } from '../users/user.entity.js';

/**
 * Append-only trail of what happened in a tenant. The app role may only SELECT and INSERT here
 * (see the migration's grants), so an entry cannot be edited or erased through the application.
 */
export const TenantAuditLog = defineEntity({
  name: 'TenantAuditLog',
  tableName: 'tenant_audit_logs',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    user: p.manyToOne(User).nullable().deleteRule('set null'),
    /** Dotted action name, e.g. `member.role_changed`. */
    action: p.string().length(100),
    resourceType: p.string().length(50).nullable(),
    resourceId: p.string().length(100).nullable(),
    details: p.json<Record<string, unknown>>().default('{}'),
    ipAddress: p.string().columnType('inet').nullable(),
    userAgent: p.text().nullable(),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
  }),
  indexes: [{ properties: ['tenant', 'createdAt'] }],
});

export type TenantAuditLogEntity = InferEntity<typeof TenantAuditLog>;
