import { Invoice } from '@digame/core/billing';
import { Tenant } from '@digame/core/tenants';
import { createTenantWithMembers, useSmtpReceiver, useTestDatabase } from '@digame/core/testing';
import { describe, expect, it } from 'vitest';
import { useInProcessWorker } from './testing/in-process.js';
import { eventually, randomPrefix } from './testing/processes.js';

const database = useTestDatabase();
const smtp = useSmtpReceiver();
const prefix = randomPrefix('billing');
const worker = useInProcessWorker(() => ({ databaseUrl: database.appUrl, prefix, smtpUrl: smtp.current.url }));

/** Runs one billing tick through the queue and waits for its per-tenant jobs to finish. */
async function billingTick(tag: string, tenantIds: number[]): Promise<void> {
  const queue = worker.current.deps.jobs.queue('lifecycle');
  await worker.current.deps.jobs.enqueue('billing.cycle_all', {}, { jobId: tag });
  await eventually(
    async () => {
      const ids = tenantIds.map((tenantId) => `billing.cycle_all_${tag}_${tenantId}`);
      const states = await Promise.all([tag, ...ids].map(async (id) => (await queue.getJob(id))?.getState()));
      if (states.includes('failed')) throw new Error(`a billing job failed: ${states.join(', ')}`);
      return states.every((state) => state === 'completed') ? true : undefined;
    },
    { what: `billing tick ${tag}` },
  );
}

async function invoicesOf(tenantId: number) {
  return database.db.inTenant(tenantId, (em) => em.find(Invoice, { tenant: tenantId }));
}

describe('scheduled billing cycle', () => {
  it('issues one invoice per paying tenant and month, none for trials, and marks unpaid ones overdue', async () => {
    const paying = await createTenantWithMembers(database.db, 'Paying Co', 'professional');
    const trial = await createTenantWithMembers(database.db, 'Trial Co', 'basic');
    await database.db.inGlobal(async (em) => {
      (await em.findOneOrFail(Tenant, { id: paying.tenantId })).isTrial = false;
    });
    const tenants = [paying.tenantId, trial.tenantId];

    await billingTick('first', tenants);
    await billingTick('second', tenants);
    const [invoice, ...more] = await invoicesOf(paying.tenantId);
    expect(more).toEqual([]);
    expect(invoice).toMatchObject({ period: new Date().toISOString().slice(0, 7), amountCents: 9900, status: 'open' });
    expect(await invoicesOf(trial.tenantId)).toEqual([]);

    await database.db.inTenant(paying.tenantId, async (em) => {
      (await em.findOneOrFail(Invoice, { tenant: paying.tenantId, id: invoice!.id })).dueAt = new Date(
        Date.now() - 1000,
      );
    });
    await billingTick('third', tenants);
    const [overdue] = await invoicesOf(paying.tenantId);
    expect(overdue?.status).toBe('overdue');
  });
});
