import type { FilterQuery } from '@mikro-orm/core';
import type { TenantContext } from '../services/context.js';
import { TenantAuditLog, type TenantAuditLogEntity } from './audit-log.entity.js';

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

function toView(entry: TenantAuditLogEntity): AuditEntryView {
  return {
    id: entry.id,
    action: entry.action,
    actorUserId: entry.user?.id ?? null,
    actorEmail: entry.user?.email ?? null,
    resourceType: entry.resourceType ?? null,
    resourceId: entry.resourceId ?? null,
    details: entry.details,
    ipAddress: entry.ipAddress ?? null,
    userAgent: entry.userAgent ?? null,
    createdAt: entry.createdAt,
  };
}

/** Newest first; ids are time-ordered (uuid v7), so the cursor is the last id seen. */
export async function queryAuditLog(
  ctx: TenantContext,
  input: AuditQuery,
): Promise<{ items: AuditEntryView[]; nextCursor: string | null }> {
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
  if (input.cursor) where.id = { $lt: input.cursor };
  const rows = await ctx.em.find(TenantAuditLog, where, {
    populate: ['user'],
    orderBy: { id: 'desc' },
    limit: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  return {
    items: page.map(toView),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
  };
}
