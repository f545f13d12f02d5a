import type { TenantContext } from '../services/context.js';
import type { TierName } from '../tenants/tiers.js';
import { audit } from './audit.js';

/**
 * How long each tier keeps its audit trail, in days. The database's audit_retention_days() decides
 * the cut (see Migration20261202100000AuditChain) so that no caller can prune anything younger; a
 * test keeps the two equal.
 */
export const AUDIT_RETENTION_DAYS: Readonly<Record<TierName, number>> = {
  basic: 90,
  professional: 365,
  enterprise: 2555,
};

export interface AuditPruneResult {
  pruned: number;
  /** The last removed entry, from which the chain now verifies. */
  cutSeq: number;
  cutHash: string | null;
  /** Entries written before this are past retention. */
  cutBefore: Date;
}

/**
 * Removes the tenant's entries past its tier's retention. The deletion runs as the lifecycle role
 * (audit_prune is SECURITY DEFINER), never as the app role, which may not delete audit entries; the
 * cut is kept on the chain head and the pruning itself becomes the next entry of the trail.
 */
export async function pruneAuditLog(ctx: TenantContext): Promise<AuditPruneResult> {
  const [row] = await ctx.em.execute<
    { pruned: string; cut_seq: string; cut_hash: string | null; cut_before: string | Date }[]
  >('select pruned, cut_seq, cut_hash, cut_before from audit_prune()');
  const result: AuditPruneResult = {
    pruned: Number(row?.pruned ?? 0),
    cutSeq: Number(row?.cut_seq ?? 0),
    cutHash: row?.cut_hash ?? null,
    cutBefore: row ? new Date(row.cut_before) : ctx.now,
  };
  if (result.pruned > 0) {
    audit(ctx, {
      action: 'audit.pruned',
      resourceType: 'audit_log',
      details: {
        entries: result.pruned,
        cutSeq: result.cutSeq,
        cutHash: result.cutHash,
        olderThan: result.cutBefore.toISOString(),
      },
    });
  }
  return result;
}
