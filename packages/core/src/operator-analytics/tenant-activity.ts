import type { EntityManager } from '@mikro-orm/postgresql';
import { queryAuditLog } from '../audit/audit-query.js';
import { TenantHealthScore } from '../health-score/health-score.entity.js';
import type { TenantContext } from '../services/context.js';

/** How far back the tenant detail's health chart reaches (one score per day). */
export const HEALTH_HISTORY_DAYS = 90;
const DAY_MS = 24 * 3_600_000;

export interface HealthPoint {
  scoredOn: string;
  score: number;
  churnRisk: 'low' | 'medium' | 'high';
}

export interface OperatorAccess {
  id: string;
  operatorUserId: string | null;
  operatorEmail: string | null;
  reason: string;
  ipAddress: string | null;
  accessedAt: Date;
}

export interface TenantActivity {
  healthHistory: HealthPoint[];
  operatorAccesses: OperatorAccess[];
}

/**
 * What an operator's tenant page shows beside the tenant's own screens: its daily health scores,
 * oldest first, and the newest operator entries into it (the `platform.tenant_accessed` entries
 * every operator path writes, this very look included).
 */
export async function tenantActivity(ctx: TenantContext, input: { accesses: number }): Promise<TenantActivity> {
  const since = new Date(ctx.now.getTime() - HEALTH_HISTORY_DAYS * DAY_MS).toISOString().slice(0, 10);
  const scores = await ctx.em.find(
    TenantHealthScore,
    { tenant: ctx.tenantId, scoredOn: { $gte: since } },
    { orderBy: { scoredOn: 'asc' } },
  );
  const accesses = await queryAuditLog(ctx, { action: 'platform.tenant_accessed', limit: input.accesses });
  return {
    healthHistory: scores.map((row) => ({
      scoredOn: String(row.scoredOn).slice(0, 10),
      score: Number(row.score),
      churnRisk: row.churnRisk,
    })),
    operatorAccesses: accesses.items.map((entry) => ({
      id: entry.id,
      operatorUserId: entry.actorUserId,
      operatorEmail: entry.actorEmail,
      reason: typeof entry.details.reason === 'string' ? entry.details.reason : '',
      ipAddress: entry.ipAddress,
      accessedAt: entry.createdAt,
    })),
  };
}

/**
 * Operators are members of their own organization, not of the tenant they entered, so row-level
 * security hides their accounts inside that tenant's unit of work: their addresses are read in a
 * global unit of work, for the operator console only.
 */
export async function nameOperators(em: EntityManager, activity: TenantActivity): Promise<TenantActivity> {
  const ids = [...new Set(activity.operatorAccesses.flatMap((access) => access.operatorUserId ?? []))];
  if (ids.length === 0) return activity;
  const rows = await em.execute<{ id: string; email: string }[]>(
    `select id, email from users where id in (${ids.map(() => '?').join(', ')})`,
    ids,
  );
  const emails = new Map(rows.map((row) => [row.id, row.email]));
  return {
    ...activity,
    operatorAccesses: activity.operatorAccesses.map((access) => ({
      ...access,
      operatorEmail:
        access.operatorEmail ?? (access.operatorUserId ? (emails.get(access.operatorUserId) ?? null) : null),
    })),
  };
}
