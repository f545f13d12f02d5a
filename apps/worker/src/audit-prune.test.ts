import { AUDIT_RETENTION_DAYS, TenantAuditChain, TenantAuditLog, verifyAuditChain } from '@digame/core/audit';
import { tenantContext } from '@digame/core/services';
import { createTenantWithMembers, useSmtpReceiver, useTestDatabase } from '@digame/core/testing';
import { describe, expect, it } from 'vitest';
import { useInProcessWorker } from './testing/in-process.js';
import { eventually, randomPrefix } from './testing/processes.js';

const database = useTestDatabase();
const smtp = useSmtpReceiver();
const prefix = randomPrefix('audit-prune');
const worker = useInProcessWorker(() => ({ databaseUrl: database.appUrl, prefix, smtpUrl: smtp.current.url }));
const DAY = 86_400_000;

async function writeEntries(tenantId: number, ageDays: number, count: number): Promise<void> {
  await database.db.inTenant(tenantId, async (em) => {
    for (let i = 0; i < count; i += 1) {
      em.create(TenantAuditLog, {
        tenant: tenantId,
        action: 'setting.updated',
        createdAt: new Date(Date.now() - ageDays * DAY + i),
      });
    }
    await em.flush();
  });
}

describe('scheduled audit retention', () => {
  it('prunes each tenant past its own tier’s retention and leaves a chain that verifies from the cut', async () => {
    const basic = await createTenantWithMembers(database.db, 'Short Memory', 'basic');
    const professional = await createTenantWithMembers(database.db, 'Long Memory', 'professional');
    for (const tenant of [basic, professional]) {
      await writeEntries(tenant.tenantId, AUDIT_RETENTION_DAYS.basic + 10, 4);
      await writeEntries(tenant.tenantId, 1, 2);
    }
    const queue = worker.current.deps.jobs.queue('lifecycle');
    await worker.current.deps.jobs.enqueue('audit.prune_all', {}, { jobId: 'tick' });
    await eventually(
      async () => {
        const ids = [basic, professional].map((t) => `audit.prune_all_tick_${t.tenantId}`);
        const states = await Promise.all(['tick', ...ids].map(async (id) => (await queue.getJob(id))?.getState()));
        if (states.includes('failed')) throw new Error(`a prune job failed: ${states.join(', ')}`);
        return states.every((state) => state === 'completed') ? true : undefined;
      },
      { what: 'audit prune tick' },
    );

    const basicLeft = await database.db.inTenant(basic.tenantId, (em) =>
      em.find(TenantAuditLog, {}, { orderBy: { seq: 'asc' } }),
    );
    expect(basicLeft.map((entry) => entry.action)).toEqual(['setting.updated', 'setting.updated', 'audit.pruned']);
    const chain = await database.db.inTenant(basic.tenantId, (em) =>
      em.findOneOrFail(TenantAuditChain, { tenant: basic.tenantId }),
    );
    expect(chain).toMatchObject({ cutSeq: 4, prunedEntries: 4 });
    const verified = await database.db.inTenant(basic.tenantId, (em) =>
      verifyAuditChain(tenantContext(em, basic.tenantId, { userId: null }, worker.current.deps.services)),
    );
    expect(verified).toMatchObject({ valid: true, entriesChecked: 3, cut: { seq: 4 } });
    // 100 days is within the professional tier's year.
    expect(await database.db.inTenant(professional.tenantId, (em) => em.count(TenantAuditLog, {}))).toBe(6);
  });
});
