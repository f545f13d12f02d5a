import { generateMonthlyReport, MonthlyReportFile } from '@digame/core/reports';
import { tenantContext } from '@digame/core/services';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientAs, expectRefused } from '../../testing/admin.js';
import { useTestApi } from '../../testing/test-api.js';

const api = useTestApi();
let acme: TenantFixture;
let globex: TenantFixture;
let professional: TenantFixture;
const MONTH = '2026-10';

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Reports Acme', 'enterprise');
  globex = await createTenantWithMembers(api.database.db, 'Reports Globex', 'enterprise');
  professional = await createTenantWithMembers(api.database.db, 'Reports Pro', 'professional');
  // What the reports.monthly job does, run here so the api test needs no worker.
  await api.database.db.inTenant(acme.tenantId, (em) =>
    generateMonthlyReport(tenantContext(em, acme.tenantId, { userId: null }, api.deps.services), MONTH),
  );
});

describe('monthly reports', () => {
  it('list and download the stored PDF for enterprise admins, and queue a new one', async () => {
    const admin = await clientAs(api, acme, 'admin');
    expect((await admin.reports.list.query()).map((r) => r.month)).toEqual([MONTH]);
    const file = await admin.reports.download.query({ month: MONTH });
    expect(file.filename).toBe(`${acme.slug}-report-${MONTH}.pdf`);
    expect(Buffer.from(file.base64, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    expect(await admin.reports.generate.mutate({ month: '2026-11' })).toEqual({ queued: true, month: '2026-11' });
    const waiting = await api.deps.jobs.queue('lifecycle').getJobs(['waiting', 'delayed', 'prioritized']);
    expect(waiting.map((job) => [job.name, job.data])).toContainEqual([
      'reports.monthly',
      { tenantId: acme.tenantId, month: '2026-11' },
    ]);
  });

  it('refuse lower tiers with the upgrade answer, and roles without analytics.read', async () => {
    const refused = await expectRefused(
      (await clientAs(api, professional, 'admin')).reports.list.query(),
      'FORBIDDEN',
      'Feature not available in your subscription',
    );
    expect(refused.data.details).toMatchObject({ feature: 'advanced_reporting', requiredTier: 'enterprise' });
    await expectRefused(
      (await clientAs(api, acme, 'member')).reports.download.query({ month: MONTH }),
      'FORBIDDEN',
      'Missing permission: analytics.read',
    );
    const bad = await expectRefused(
      (await clientAs(api, acme, 'admin')).reports.generate.mutate({ month: '2026-13' }),
      'BAD_REQUEST',
    );
    expect(bad.data.fields).toEqual({ month: 'must be a month such as 2026-11' });
  });

  it('never hand one tenant’s report to another, through the API or with the ORM filter off', async () => {
    const other = await clientAs(api, globex, 'admin');
    expect(await other.reports.list.query()).toEqual([]);
    await expectRefused(other.reports.download.query({ month: MONTH }), 'NOT_FOUND', 'No report for that month yet');
    await api.database.db.inTenant(globex.tenantId, async (em) => {
      expect(await em.find(MonthlyReportFile, { tenant: acme.tenantId }, { filters: false })).toEqual([]);
      expect(await em.execute('select count(*)::int as n from tenant_monthly_reports')).toEqual([{ n: 0 }]);
    });
  });
});
