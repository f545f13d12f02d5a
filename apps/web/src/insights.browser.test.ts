import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { describe, expect, it } from 'vitest';
import { checkScreen, heading, setPassword, signIn, useConsoleStack } from './testing/stack.js';

const stack = await useConsoleStack();
const DAY = 86_400_000;

/** Hourly API calls at noon of each of the last `days` days, and a seat count for each. */
async function seedUsage(tenant: TenantFixture, days: number) {
  await stack.api.database.db.inTenant(tenant.tenantId, async (em) => {
    const today = Math.floor(Date.now() / DAY) * DAY;
    for (let day = 1; day <= days; day++) {
      const noon = new Date(today - day * DAY + 12 * 3_600_000);
      await em.execute(
        `insert into tenant_usage_records (tenant_id, metric, period_start, quantity) values (?, 'api_calls', ?, ?), (?, 'seats', ?, 4)`,
        [tenant.tenantId, noon, 100 + day * 10, tenant.tenantId, noon],
      );
    }
  });
}

async function signedIn(name: string, tier: 'basic' | 'professional' | 'enterprise', path: string) {
  const tenant = await createTenantWithMembers(stack.api.database.db, name, tier);
  await setPassword(stack.api, tenant.users.admin);
  const page = await stack.open(path);
  await signIn(page, `admin@${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.test`);
  return { tenant, page };
}

describe('tenant insights, analytics, reports and support', () => {
  it('shows the upgrade prompt on each screen a Basic organization lacks', async () => {
    const { page } = await signedIn('Locked Insights', 'basic', '/insights');
    await heading(page, 'Insights');
    await page.getByText('AI Insights is available on the Professional plan').waitFor();
    await checkScreen(page, 'insights-locked', async (p) => {
      await p.getByRole('link', { name: 'Upgrade to Professional' }).waitFor();
    });
    await page.getByRole('link', { name: 'Analytics', exact: true }).click();
    await heading(page, 'Analytics');
    await page.getByText('Advanced Analytics is available on the Professional plan').waitFor();
    await page.getByRole('link', { name: 'Reports' }).click();
    await heading(page, 'Reports');
    await page.getByText('Advanced Reporting is available on the Enterprise plan').waitFor();
  });

  it('explains recommendations from the organization’s own data and charts its usage history', async () => {
    const { tenant, page } = await signedIn('Insightful', 'professional', '/insights');
    await seedUsage(tenant, 20);
    await heading(page, 'Insights');
    const recommendations = page.getByRole('list', { name: 'Recommendations' });
    // Three of the four fixture members have never been active.
    await recommendations.getByText(/^3 of 4 seats unused for 30 days$/).waitFor();
    await recommendations.getByText(/included features unused$/).waitFor();
    await page.getByRole('region', { name: 'API usage trend' }).getByText('Direction').waitFor();
    await checkScreen(page, 'insights', async (p) => {
      await p.getByRole('list', { name: 'Recommendations' }).waitFor();
    });

    await page.getByRole('link', { name: 'Analytics', exact: true }).click();
    await heading(page, 'Analytics');
    const calls = page.getByRole('figure', { name: 'API calls per day' });
    await calls.waitFor();
    // The chart's numbers, as screen readers get them: yesterday had 110 calls, 20 days ago 300.
    const cells = await calls.getByRole('cell').allTextContents();
    expect(cells).toContain('110');
    expect(cells).toContain('300');
    await checkScreen(page, 'analytics', async (p) => {
      await p.getByRole('figure', { name: 'Storage used per day, in GB' }).waitFor();
    });
  });

  it('generates a monthly PDF, downloads it, and sets the email schedule (enterprise)', async () => {
    const { page } = await signedIn('Reporting Corp', 'enterprise', '/reports');
    await heading(page, 'Reports');
    await page.getByText('No reports yet').waitFor();
    const month = await page.getByLabel('Month', { exact: true }).inputValue();
    await page.getByRole('button', { name: 'Generate PDF' }).click();
    // The worker renders it; `report.ready` on the live stream puts it in the list.
    const reports = page.getByRole('table', { name: 'Monthly reports' });
    await reports.getByRole('rowheader', { name: month }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      reports.getByRole('button', { name: `Download the report for ${month}` }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`reporting-corp-report-${month}.pdf`);
    const pdf = await download.createReadStream();
    const head = await new Promise<string>((resolve) =>
      pdf.once('data', (chunk) => resolve(String(chunk).slice(0, 5))),
    );
    expect(head).toBe('%PDF-');

    await page.getByLabel('Email the report every month').check();
    await page.getByLabel('Day of the month').fill('31');
    await page.getByLabel('Recipients').fill('finance@reporting-corp.test');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page.getByText('from 1 to 28').waitFor();
    await page.getByLabel('Day of the month').fill('3');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page.getByText('Reports will be emailed on day 3 of each month').waitFor();
    await checkScreen(page, 'reports', async (p) => {
      await p.getByRole('table', { name: 'Monthly reports' }).waitFor();
    });
    await page.reload();
    await heading(page, 'Reports');
    expect(await page.getByLabel('Day of the month').inputValue()).toBe('3');
    expect(await page.getByLabel('Recipients').inputValue()).toBe('finance@reporting-corp.test');
  });

  it('opens a ticket, sees support’s answer arrive live, and rates it once resolved', async () => {
    const tenant = await createTenantWithMembers(stack.api.database.db, 'Helpdesk Web', 'professional');
    await setPassword(stack.api, tenant.users.member);
    await setPassword(stack.api, tenant.users.admin);
    const member = await stack.open('/support');
    await signIn(member, 'member@helpdesk-web.test');
    await heading(member, 'Support');
    await member.getByText('No tickets yet').waitFor();
    await member.getByLabel('Subject').fill('no');
    await member.getByRole('button', { name: 'Open ticket' }).click();
    await member.getByText('at least 3 characters').waitFor();
    await member.getByLabel('Subject').fill('Invoices show the wrong address');
    await member.getByLabel('Priority').selectOption('high');
    await member.getByLabel('What happened').fill('Our new address is not on the November invoice.');
    await member.getByRole('button', { name: 'Open ticket' }).click();
    await heading(member, 'Invoices show the wrong address');
    await member.getByText('Live updates on').waitFor();
    await checkScreen(member, 'support-ticket', async (p) => {
      await p.getByRole('list', { name: 'Messages' }).waitFor();
    });

    // The organization's admin (support.manage) answers from another browser.
    const admin = await stack.open('/support');
    await signIn(admin, 'admin@helpdesk-web.test');
    await heading(admin, 'Support');
    await admin.getByRole('region', { name: 'All tickets' }).waitFor();
    await checkScreen(admin, 'support', async (p) => {
      await p.getByRole('table', { name: 'Support tickets' }).waitFor();
    });
    await admin.getByRole('link', { name: 'Invoices show the wrong address' }).click();
    await heading(admin, 'Invoices show the wrong address');
    await admin.getByLabel('Your reply').fill('Fixed: the December invoice carries the new address.');
    await admin.getByRole('button', { name: 'Send reply' }).click();
    await admin.getByRole('button', { name: 'Mark as resolved' }).click();
    await admin.getByText('Ticket resolved').waitFor();

    // The member sees the answer and the resolution without reloading, then rates it.
    await member
      .getByRole('list', { name: 'Messages' })
      .getByText('Fixed: the December invoice carries the new address.')
      .waitFor();
    await member.getByRole('region', { name: 'How did we do?' }).waitFor();
    await member.getByLabel('5, excellent').check();
    await member.getByRole('button', { name: 'Send rating' }).click();
    await member.getByText('Rated 5 of 5. Thank you.').waitFor();
    const [ticket] = await stack.api
      .client(await stack.api.sessionToken({ tenantId: tenant.tenantId, userId: tenant.users.member, role: 'member' }))
      .support.list.query({ limit: 1 });
    expect(ticket).toMatchObject({ status: 'resolved', satisfactionRating: 5 });
  });
});
