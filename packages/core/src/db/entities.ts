import { AnalyticsEvent } from '../analytics/analytics-event.entity.js';
import { TenantAuditLog } from '../audit/audit-log.entity.js';
import { TenantInvitation } from '../invitations/invitation.entity.js';
import { TenantUser } from '../members/tenant-user.entity.js';
import { TenantSetting } from '../settings/setting.entity.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { UsageRecord } from '../usage/usage-record.entity.js';
import { User } from '../users/user.entity.js';
import { ADMINISTRATION_ENTITIES } from './entities.administration.js';
import { IDENTITY_ENTITIES } from './entities.identity.js';
import { LIFECYCLE_ENTITIES } from './entities.lifecycle.js';
import { OPERATIONS_ENTITIES } from './entities.operations.js';
import { GlobalOutboxRow, TenantOutboxRow } from './outbox.entity.js';

const DOMAINS = [IDENTITY_ENTITIES, ADMINISTRATION_ENTITIES, OPERATIONS_ENTITIES, LIFECYCLE_ENTITIES];

/** Tables without tenant_id: Citus reference tables, no row-level security. */
export const GLOBAL_ENTITIES = [Tenant, User, GlobalOutboxRow, ...DOMAINS.flatMap((domain) => domain.global)];

/** Every other table: tenant_id leads its keys, RLS is forced and the tenant filter applies. */
export const TENANT_SCOPED_ENTITIES = [
  TenantUser,
  TenantInvitation,
  TenantSetting,
  TenantAuditLog,
  UsageRecord,
  AnalyticsEvent,
  TenantOutboxRow,
  ...DOMAINS.flatMap((domain) => domain.tenantScoped),
];

export const ALL_ENTITIES = [...GLOBAL_ENTITIES, ...TENANT_SCOPED_ENTITIES];
