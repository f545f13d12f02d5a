import type { TenantContext } from '../services/context.js';

/** Why a link of the chain does not hold. */
export type ChainBreak =
  /** The entry's fields no longer give its hash: it was changed after it was written. */
  | 'entry_modified'
  /** The entry does not follow the one before it: entries between were removed, or rows moved. */
  | 'link_broken'
  /** The chain head names later entries than the table holds: the newest entries were removed. */
  | 'entries_missing_at_end';

export interface ChainVerification {
  valid: boolean;
  /** Entries checked, from the cut (or the first entry) to the head. */
  entriesChecked: number;
  /** The last entry retention removed, from which the chain verifies; 0 when nothing was pruned. */
  cut: { seq: number; hash: string | null; at: Date | null };
  head: { seq: number; hash: string | null };
  /** The first link that does not hold, in chain order; null when the chain is intact. */
  firstBreak: { seq: number; entryId: string | null; problem: ChainBreak } | null;
}

interface ChainRow {
  seq: string;
  id: string;
  prev_hash: string | null;
  hash: string | null;
  recomputed: string;
}

const BATCH = 1_000;

/**
 * Walks the tenant's chain from the cut to the head, recomputing each entry's hash in the database
 * (the same function that wrote it) and checking that it links to the one before. Reports the
 * first entry where the chain breaks: a changed entry at itself, a removed or moved one at the
 * entry that follows the gap. The head is read first, so entries appended meanwhile are left out.
 */
export async function verifyAuditChain(ctx: TenantContext): Promise<ChainVerification> {
  const [chain] = await ctx.em.execute<
    { last_seq: string; last_hash: string | null; cut_seq: string; cut_hash: string | null; cut_at: Date | null }[]
  >('select last_seq, last_hash, cut_seq, cut_hash, cut_at from tenant_audit_chains where tenant_id = ?', [
    ctx.tenantId,
  ]);
  const head = { seq: Number(chain?.last_seq ?? 0), hash: chain?.last_hash ?? null };
  const cut = { seq: Number(chain?.cut_seq ?? 0), hash: chain?.cut_hash ?? null, at: chain?.cut_at ?? null };
  const result = (checked: number, firstBreak: ChainVerification['firstBreak']): ChainVerification => ({
    valid: firstBreak === null,
    entriesChecked: checked,
    cut,
    head,
    firstBreak,
  });

  let expectedSeq = cut.seq + 1;
  let expectedPrev = cut.hash;
  let checked = 0;
  let after = cut.seq;
  for (;;) {
    const rows = await ctx.em.execute<ChainRow[]>(
      `select seq, id, prev_hash, hash,
              audit_entry_digest(tenant_id, seq, prev_hash, id, user_id, action, resource_type, resource_id, details, created_at) as recomputed
         from tenant_audit_logs
        where tenant_id = ? and seq > ? and seq <= ?
        order by seq
        limit ${BATCH}`,
      [ctx.tenantId, after, head.seq],
    );
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq || row.prev_hash !== expectedPrev) {
        return result(checked, { seq, entryId: row.id, problem: 'link_broken' });
      }
      if (row.hash !== row.recomputed) return result(checked, { seq, entryId: row.id, problem: 'entry_modified' });
      checked += 1;
      expectedSeq = seq + 1;
      expectedPrev = row.hash;
      after = seq;
    }
    if (rows.length < BATCH) break;
  }
  if (expectedSeq !== head.seq + 1 || expectedPrev !== head.hash) {
    return result(checked, { seq: expectedSeq, entryId: null, problem: 'entries_missing_at_end' });
  }
  return result(checked, null);
}
