import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TenantContext } from '../services/context.js';
import { User } from '../users/user.entity.js';
import { TenantAuditLog, type TenantAuditLogEntity } from './audit-log.entity.js';
import { withPersonal } from './personal-data.js';

export interface AuditQuery {
  /** Entries by this user. */
  actorUserId?: string;
  /** An exact action (`member.role_changed`) or every action of a domain (`member.*`). */
  action?: string;
  resourceType?: string;
  resourceId?: string;
  from?: Date;
  to?: Date;
  /** The last id of the previous page. */
  cursor?: string;
  limit: number;
}

export interface AuditEntryView {
  id: string;
  action: string;
  actorUserId: string | null;
  actorEmail: string | null;
  resourceType: string | null;
  resourceId: string | null;
  details: Record<string, unknown>;
  ipAddress: string | null;
  userAgent: string | null;
  createdAt: Date;
}

/**
 * Emails of the acting users that still have an account; an erased person's entries keep only
 * their id, as a pseudonym.
 */
export async function actorEmails(em: EntityManager, entries: TenantAuditLogEntity[]): Promise<Map<string, string>> {
  const ids = [...new Set(entries.flatMap((entry) => (entry.user ? [entry.user.id] : [])))];
  if (ids.length === 0) return new Map();
  const users = await em.find(User, { id: { $in: ids } }, { fields: ['id', 'email'] });
  return new Map(users.map((user) => [user.id, user.email]));
}

export function toView(entry: TenantAuditLogEntity, emails: Map<string, string>): AuditEntryView {
  const actorUserId = entry.user?.id ?? null;
  return {
    id: entry.id,
    action: entry.action,
    actorUserId,
    actorEmail: actorUserId ? (emails.get(actorUserId) ?? null) : null,
    resourceType: entry.resourceType ?? null,
    resourceId: entry.resourceId ?? null,
    details: withPersonal(entry.details, entry.personal),
    ipAddress: entry.ipAddress ?? null,
    userAgent: entry.userAgent ?? null,
    createdAt: entry.createdAt,
  };
}

/** The filter of a query, shared by the paged list and the export. */
export function auditWhere(
  ctx: TenantContext,
  input: Omit<AuditQuery, 'limit' | 'cursor'>,
): FilterQuery<TenantAuditLogEntity> {
  const where: FilterQuery<TenantAuditLogEntity> = { tenant: ctx.tenantId };
  if (input.actorUserId) where.user = input.actorUserId;
  if (input.action) {
    where.action = input.action.endsWith('.*')
      ? { $like: `${input.action.slice(0, -1).replace(/[\\%_]/g, (match) => `\\${match}`)}%` }
      : input.action;
  }
  if (input.resourceType) where.resourceType = input.resourceType;
  if (input.resourceId) where.resourceId = input.resourceId;
  if (input.from || input.to) {
    where.createdAt = { ...(input.from ? { $gte: input.from } : {}), ...(input.to ? { $lt: input.to } : {}) };
  }
  return where;
}

/** Newest first; ids are time-ordered (uuid v7), so the cursor is the last id seen. */
export async function queryAuditLog(
  ctx: TenantContext,
  input: AuditQuery,
): Promise<{ items: AuditEntryView[]; nextCursor: string | null }> {
  const where = { ...auditWhere(ctx, input), ...(input.cursor ? { id: { $lt: input.cursor } } : {}) };
  const rows = await ctx.em.find(TenantAuditLog, where, { orderBy: { id: 'desc' }, limit: input.limit + 1 });
  const page = rows.slice(0, input.limit);
  const emails = await actorEmails(ctx.em, page);
  return {
    items: page.map((entry) => toView(entry, emails)),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
  };
}
