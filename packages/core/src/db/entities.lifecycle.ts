import type { EntitySchema } from '@mikro-orm/core';
import { TenantAuditChain } from '../audit/audit-log.entity.js';
import { TenantDataExport, TenantErasure } from '../data-rights/data-rights.entity.js';
import { TenantFile, TenantStorageUsage } from '../files/file.entity.js';
import { TenantDeletion, TenantOffboarding } from '../offboarding/offboarding.entity.js';

/** Entities added for issue 11 (data lifecycle). Tenant-scoped unless listed as global. */
export const LIFECYCLE_ENTITIES = {
  // Widened so the registry can merge it with the other domains' lists.
  global: [TenantDeletion] as readonly EntitySchema[],
  tenantScoped: [
    TenantFile,
    TenantStorageUsage,
    TenantAuditChain,
    TenantDataExport,
    TenantErasure,
    TenantOffboarding,
  ] as const,
};
