import { createTenantWithMembers } from '@digame/core/testing';
import { describe, expect, it } from 'vitest';
import { checkScreen, heading, setPassword, signIn, useConsoleStack } from './testing/stack.js';

const stack = await useConsoleStack();

describe('gated features and the audit log', () => {
  it('prompts to upgrade on basic, unlocks after upgrading, and shows those actions in the audit log, live', async () => {
    const tenant = await createTenantWithMembers(stack.api.database.db, 'Gate Web', 'basic');
    await setPassword(stack.api, tenant.users.admin);
    const page = await stack.open('/audit');
    await signIn(page, 'admin@gate-web.test');
    await heading(page, 'Audit log');
    await page
      .getByRole('region', { name: 'Upgrade required' })
      .getByText('Audit Logs is available on the Enterprise plan')
      .waitFor();
    await checkScreen(page, 'audit-locked', async (p) => {
      await p.getByRole('link', { name: 'Upgrade to Enterprise' }).waitFor();
    });

    // Branding is a Professional feature: the same prompt, and the upgrade it leads to unlocks it.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Branding' }).click();
    await heading(page, 'Branding');
    await page
      .getByRole('region', { name: 'Upgrade required' })
      .getByText('Custom Branding is available on the Professional plan')
      .waitFor();
    await page.getByRole('link', { name: 'Upgrade to Professional' }).click();
    await heading(page, 'Plan and billing');
    await page.getByRole('button', { name: 'Switch to Professional' }).click();
    await page.getByRole('button', { name: 'Confirm switch' }).click();
    await page.getByText('Your organization is now on the Professional plan').waitFor();
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Branding' }).click();
    await heading(page, 'Branding');
    await page.getByLabel('Brand colour', { exact: true }).fill('#7c3aed');
    await page.getByRole('button', { name: 'Save colour' }).click();
    await page.getByText('Brand colour saved').waitFor();

    // Audit logs need Enterprise, which is arranged with the platform's team: an operator sets it.
    const ops = await createTenantWithMembers(stack.api.database.db, 'Gate Ops', 'enterprise');
    const operator = stack.api.client(
      await stack.api.sessionToken({
        tenantId: ops.tenantId,
        userId: ops.users.admin,
        role: 'admin',
        platformOperator: true,
      }),
    );
    await operator.billing.setPlan.mutate({
      tenantId: tenant.tenantUuid,
      reason: 'Enterprise contract signed',
      tier: 'enterprise',
      monthlyPriceCents: 50_000,
    });

    await page.getByRole('link', { name: 'Audit log' }).click();
    await heading(page, 'Audit log');
    const entries = page.getByRole('table', { name: 'Audit log entries' });
    const actions = () => entries.getByRole('rowheader').allTextContents();
    await expect.poll(actions).toEqual(expect.arrayContaining(['subscription.changed', 'tenant.updated']));
    await page.getByLabel('Action').selectOption('subscription.changed');
    await expect.poll(actions).toEqual(['subscription.changed', 'subscription.changed']);
    await checkScreen(page, 'audit', async (p) => {
      await p.getByText('Page 1').waitFor();
    });

    await page.getByLabel('Action').selectOption('');
    await page.getByLabel('Actor').selectOption({ label: 'admin@gate-web.test' });
    // The operator's own entries (their access, the plan they set) are not the admin's.
    await expect.poll(actions).not.toContain('platform.tenant_accessed');
    expect(await actions()).toEqual(expect.arrayContaining(['subscription.changed', 'tenant.updated']));

    // A change made elsewhere shows up at the top without a reload.
    const admin = stack.api.client(
      await stack.api.sessionToken({ tenantId: tenant.tenantId, userId: tenant.users.admin, role: 'admin' }),
    );
    await admin.settings.set.mutate({ category: 'general', key: 'weekStart', value: 'monday' });
    await expect.poll(async () => (await actions())[0]).toBe('setting.updated');

    const tomorrow = new Date(Date.now() + 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
    await page.getByLabel('From').fill(tomorrow);
    await page.getByText('No entries match these filters').waitFor();
  });
});
