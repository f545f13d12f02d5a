import { TenantAuditChain } from '../audit/audit-log.entity.js';
import { TenantDataExport, TenantErasure } from '../data-rights/data-rights.entity.js';
import { TenantFile, TenantStorageUsage } from '../files/file.entity.js';

/** Entities added for issue 11 (data lifecycle). Tenant-scoped unless listed as global. */
export const LIFECYCLE_ENTITIES = {
  global: [] as const,
  tenantScoped: [TenantFile, TenantStorageUsage, TenantAuditChain, TenantDataExport, TenantErasure] as const,
};
