import { TenantSetting } from '@digame/core/settings';
import { createTenantWithMembers, type TenantFixture, useSmtpReceiver, useTestDatabase } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { useInProcessWorker } from './testing/in-process.js';
import { eventually, randomPrefix } from './testing/processes.js';

const database = useTestDatabase();
const smtp = useSmtpReceiver();
const prefix = randomPrefix('report-emails');
const worker = useInProcessWorker(() => ({ databaseUrl: database.appUrl, prefix, smtpUrl: smtp.current.url }));
const now = new Date();
const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
let scheduled: TenantFixture;
let unscheduled: TenantFixture;
let professional: TenantFixture;

async function schedule(t: TenantFixture, value: Record<string, unknown>) {
  await database.db.inTenant(t.tenantId, async (em) => {
    em.create(TenantSetting, { tenant: t.tenantId, category: 'notifications', key: 'monthlyReportEmail', value });
  });
}

async function run(name: 'reports.email_scan' | 'reports.email_due', payload: object, jobId: string) {
  const queue = worker.current.deps.jobs.queue('lifecycle');
  await worker.current.deps.jobs.enqueue(name, payload as never, { jobId });
  return eventually(
    async () => {
      const job = await queue.getJob(jobId);
      const state = await job?.getState();
      if (state === 'failed') throw new Error(`${name} failed: ${job?.failedReason}`);
      return state === 'completed' ? job?.returnvalue : undefined;
    },
    { what: `${name} ${jobId}` },
  );
}

beforeAll(async () => {
  scheduled = await createTenantWithMembers(database.db, 'Mailed Reports', 'enterprise');
  unscheduled = await createTenantWithMembers(database.db, 'Quiet Reports', 'enterprise');
  professional = await createTenantWithMembers(database.db, 'Unreported', 'professional');
  // Day 1 is due on any day of the month, so the test does not depend on today's date.
  await schedule(scheduled, { enabled: true, dayOfMonth: 1, recipients: ['cfo@mailed.test', 'ops@mailed.test'] });
  await schedule(professional, { enabled: true, dayOfMonth: 1, recipients: ['cfo@unreported.test'] });
});

describe('scheduled monthly report emails', () => {
  it("render last month's report and email each recipient a link to it, once a month", async () => {
    // The scan reaches only active tenants with advanced reporting: the two enterprise ones.
    expect(await run('reports.email_scan', {}, 'scan-1')).toEqual({ tenants: 2 });
    await smtp.current.waitFor(
      () => smtp.current.to('ops@mailed.test').length === 1 && smtp.current.to('cfo@mailed.test').length === 1,
    );
    for (const to of ['cfo@mailed.test', 'ops@mailed.test']) {
      const [mail] = smtp.current.to(to);
      expect(mail?.subject).toBe(`Mailed Reports: your report for ${lastMonth}`);
      expect(mail?.text).toContain('/reports');
    }
    const [report] = await database.db.inTenant(scheduled.tenantId, (em) =>
      em.execute<{ month: string }[]>('select month from tenant_monthly_reports'),
    );
    expect(report?.month).toBe(lastMonth);
    const quiet = await database.db.inTenant(unscheduled.tenantId, (em) =>
      em.execute('select 1 from tenant_monthly_reports'),
    );
    expect(quiet).toEqual([]);

    // Later ticks of the same month send nothing more.
    expect(await run('reports.email_due', { tenantId: scheduled.tenantId }, 'due-again')).toEqual({
      skipped: 'already_emailed',
    });
    expect(await run('reports.email_due', { tenantId: unscheduled.tenantId }, 'due-quiet')).toEqual({
      skipped: 'not_scheduled',
    });
    expect(smtp.current.to('cfo@mailed.test')).toHaveLength(1);
  });

  it('skip a tenant whose plan lost advanced reporting, whatever its schedule says', async () => {
    expect(await run('reports.email_due', { tenantId: professional.tenantId }, 'due-professional')).toEqual({
      skipped: 'feature_not_available',
    });
    expect(smtp.current.to('cfo@unreported.test')).toEqual([]);
  });
});
