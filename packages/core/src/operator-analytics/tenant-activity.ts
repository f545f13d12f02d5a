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
      operatorEmail: entry.actorEmail,
      reason: typeof entry.details.reason === 'string' ? entry.details.reason : '',
      ipAddress: entry.ipAddress,
      accessedAt: entry.createdAt,
    })),
  };
}
