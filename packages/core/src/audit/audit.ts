import { uuidv7 } from '../db/ids.js';
import type { TenantContext } from '../services/context.js';
import { TenantAuditLog } from './audit-log.entity.js';
import { splitPersonal } from './personal-data.js';

export interface AuditEntry {
  /** Dotted action name, e.g. `member.role_changed`. */
  action: string;
  resourceType?: string;
  resourceId?: string;
  /** What changed: `{ before: {...}, after: {...} }` of the changed fields, or other facts. */
  details?: Record<string, unknown>;
}

/**
 * Records an audit entry in the same transaction as the change it describes, and tells live
 * dashboards after commit. An entry therefore exists exactly when its change does. The database
 * chains it to the tenant's previous entry; personal values in `details` are kept outside the hash.
 */
export function audit(ctx: TenantContext, entry: AuditEntry): void {
  // The id is assigned here, not at flush, so the live event can name the entry it announces.
  const id = uuidv7();
  const { details, personal } = splitPersonal(entry.details ?? {});
  ctx.em.create(TenantAuditLog, {
    id,
    tenant: ctx.tenantId,
    user: ctx.actor.userId,
    action: entry.action,
    resourceType: entry.resourceType ?? null,
    resourceId: entry.resourceId ?? null,
    details,
    personal,
    ipAddress: ctx.actor.ipAddress ?? null,
    userAgent: ctx.actor.userAgent ?? null,
  });
  ctx.publish('audit.appended', { id, action: entry.action, resourceType: entry.resourceType ?? null });
}

/** Only the fields whose values differ, as `{ before, after }` for the audit trail. */
export function changedFields<T extends Record<string, unknown>>(
  before: T,
  after: Partial<T>,
): { before: Partial<T>; after: Partial<T> } | null {
  const diff = { before: {} as Partial<T>, after: {} as Partial<T> };
  for (const key of Object.keys(after) as (keyof T)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      diff.before[key] = before[key];
      diff.after[key] = after[key];
    }
  }
  return Object.keys(diff.after).length ? diff : null;
}
