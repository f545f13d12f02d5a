export { type AuditEntry, audit, changedFields } from './audit.js';
export { TenantAuditLog, type TenantAuditLogEntity } from './audit-log.entity.js';
export { type AuditEntryView, type AuditQuery, queryAuditLog } from './audit-query.js';
