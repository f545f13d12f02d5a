import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTenantWithMembers, type TenantFixture, useSmtpReceiver, useTestDatabase } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { useInProcessWorker } from './testing/in-process.js';
import { eventually, randomPrefix } from './testing/processes.js';

const database = useTestDatabase();
const smtp = useSmtpReceiver();
const prefix = randomPrefix('reports');
const worker = useInProcessWorker(() => ({ databaseUrl: database.appUrl, prefix, smtpUrl: smtp.current.url }));
const RESULTS = fileURLToPath(new URL('../../../test-results/', import.meta.url));
const MONTH = '2026-10';
let enterprise: TenantFixture;
let professional: TenantFixture;

/**
 * October 2026 of an enterprise tenant: 3 hours of API calls (1,000 + 4,200 + 800 = 6,000; busiest
 * 4,200 at 2026-10-14T09:00), seats peaking at 7, 3 GiB of storage at month end, one 80% alert, three
 * audit entries and a health score of 72.5 on 2026-10-31. A record of November must not count.
 */
async function seedOctober(t: TenantFixture) {
  await database.db.inTenant(t.tenantId, async (em) => {
    const usage = (metric: string, at: string, quantity: number) =>
      em.execute(`insert into tenant_usage_records (tenant_id, metric, period_start, quantity) values (?, ?, ?, ?)`, [
        t.tenantId,
        metric,
        new Date(at),
        quantity,
      ]);
    await usage('api_calls', '2026-10-02T10:00:00Z', 1_000);
    await usage('api_calls', '2026-10-14T09:00:00Z', 4_200);
    await usage('api_calls', '2026-10-31T23:00:00Z', 800);
    await usage('api_calls', '2026-11-01T00:00:00Z', 99_999);
    await usage('seats', '2026-10-05T00:00:00Z', 5);
    await usage('seats', '2026-10-20T00:00:00Z', 7);
    await usage('storage_bytes', '2026-10-31T12:00:00Z', 3 * 1024 ** 3);
    await em.execute(
      `insert into tenant_limit_alerts (tenant_id, "limit", threshold_percent, period_start, used, max, raised_at) values (?, 'api_calls', 80, ?, 20000, 25000, ?)`,
      [t.tenantId, new Date('2026-10-14T09:00:00Z'), new Date('2026-10-14T09:30:00Z')],
    );
    for (const action of ['member.role_changed', 'member.role_changed', 'settings.updated']) {
      await em.execute(
        `insert into tenant_audit_logs (tenant_id, id, action, details, created_at) values (?, gen_random_uuid(), ?, '{}', ?)`,
        [t.tenantId, action, new Date('2026-10-10T12:00:00Z')],
      );
    }
    await em.execute(
      `insert into tenant_health_scores (tenant_id, scored_on, score, churn_risk, components, computed_at) values (?, '2026-10-31', 72.5, 'low', '{}', now())`,
      [t.tenantId],
    );
  });
}

beforeAll(async () => {
  enterprise = await createTenantWithMembers(database.db, 'Report Enterprise', 'enterprise');
  professional = await createTenantWithMembers(database.db, 'Report Professional', 'professional');
  await seedOctober(enterprise);
});

async function runReportJob(tenantId: number, jobId: string) {
  const queue = worker.current.deps.jobs.queue('lifecycle');
  await worker.current.deps.jobs.enqueue('reports.monthly', { tenantId, month: MONTH }, { jobId });
  return eventually(
    async () => {
      const job = await queue.getJob(jobId);
      const state = await job?.getState();
      if (state === 'failed') throw new Error(`report job failed: ${job?.failedReason}`);
      return state === 'completed' ? job?.returnvalue : undefined;
    },
    { what: `report job ${jobId}` },
  );
}

describe('monthly report PDF', () => {
  it('is rendered by the worker, stored, and holds the month’s figures', async () => {
    const result = await runReportJob(enterprise.tenantId, 'report-enterprise');
    expect(result).toMatchObject({ month: MONTH });
    const [row] = await database.db.inTenant(enterprise.tenantId, (em) =>
      em.execute<{ pdf: Buffer; byte_size: number }[]>(
        'select pdf, byte_size from tenant_monthly_reports where month = ?',
        [MONTH],
      ),
    );
    expect(row?.pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(row?.byte_size).toBe(row?.pdf.byteLength);

    fs.mkdirSync(RESULTS, { recursive: true });
    const pdfPath = `${RESULTS}monthly-report-${MONTH}.pdf`;
    fs.writeFileSync(pdfPath, row?.pdf ?? Buffer.alloc(0));
    // The first page as a PNG, kept beside the PDF for a person to look at.
    execFileSync('pdftoppm', [
      '-png',
      '-r',
      '72',
      '-f',
      '1',
      '-l',
      '1',
      '-singlefile',
      pdfPath,
      `${RESULTS}monthly-report-page1`,
    ]);
    const png = fs.readFileSync(`${RESULTS}monthly-report-page1.png`);
    expect(png.subarray(1, 4).toString()).toBe('PNG');

    const text = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    for (const expected of [
      'Report Enterprise',
      'Monthly report for 2026-10 · Enterprise plan',
      'API calls in the month: 6,000',
      'Busiest hour: 4,200 calls at 2026-10-14T09:00:00.000Z (16.8% of 25,000 per hour)',
      'Peak seats: 7 of unlimited (no limit)',
      'Storage at month end: 3 GB of 1024 GB (0.3%)',
      'Active members: 4',
      '2026-10-14: api_calls reached 80% (20,000 of 25,000)',
      'Audit entries: 3',
      'member.role_changed: 2',
      'settings.updated: 1',
      'Latest health score: 72.5 (low churn risk, 2026-10-31)',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('is not made for a tenant whose plan has no advanced reporting', async () => {
    expect(await runReportJob(professional.tenantId, 'report-professional')).toEqual({
      skipped: 'feature_not_available',
    });
    const rows = await database.db.inTenant(professional.tenantId, (em) =>
      em.execute('select 1 from tenant_monthly_reports'),
    );
    expect(rows).toEqual([]);
  });
});
