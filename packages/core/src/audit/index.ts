export { type AuditEntry, audit, changedFields } from './audit.js';
export { type ChainBreak, type ChainVerification, verifyAuditChain } from './audit-chain.js';
export {
  AUDIT_EXPORT_FORMATS,
  type AuditExportFormat,
  type AuditExportRow,
  exportAuditLog,
} from './audit-export.js';
export {
  TenantAuditChain,
  type TenantAuditChainEntity,
  TenantAuditLog,
  type TenantAuditLogEntity,
} from './audit-log.entity.js';
export { type AuditEntryView, type AuditQuery, queryAuditLog } from './audit-query.js';
export { AUDIT_RETENTION_DAYS, type AuditPruneResult, pruneAuditLog } from './audit-retention.js';
export { ERASED_MARKER, PERSONAL_MARKER, splitPersonal, withPersonal } from './personal-data.js';
