import { createTenantWithMembers } from '@digame/core/testing';
import { describe, expect, it } from 'vitest';
import { checkScreen, heading, setPassword, signIn, useConsoleStack } from './testing/stack.js';

const stack = await useConsoleStack();

describe('plan and billing', () => {
  it('shows the plan, its features and why, and upgrades after showing the prorated price', async () => {
    const { users } = await createTenantWithMembers(stack.api.database.db, 'Plan Web', 'basic');
    await setPassword(stack.api, users.admin);
    const page = await stack.open('/billing');
    await signIn(page, 'admin@plan-web.test');
    await heading(page, 'Plan and billing');
    const features = page.getByRole('table', { name: 'Features of your organization' });
    const apiAccess = features.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'API Access' }) });
    await expect
      .poll(() => apiAccess.getByRole('cell').allTextContents())
      .toEqual(['Off', 'Needs the Professional plan']);
    await checkScreen(page, 'billing', async (p) => {
      // A table from 640 px up, a card per plan on phones.
      await p.getByText('Custom pricing').filter({ visible: true }).waitFor();
      await p.getByRole('table', { name: 'Features of your organization' }).waitFor();
    });

    await page.getByRole('button', { name: 'Switch to Professional' }).click();
    const dialog = page.getByRole('dialog', { name: 'Switch to Professional' });
    await dialog.getByText('New monthly price').waitFor();
    const facts = await dialog.getByRole('definition').allTextContents();
    expect(facts[0]).toBe('$99');
    await checkScreen(page, 'billing-change-plan', async (p) => {
      await p.getByRole('button', { name: 'Confirm switch' }).waitFor();
    });
    await dialog.getByRole('button', { name: 'Confirm switch' }).click();
    await page.getByText('Your organization is now on the Professional plan').waitFor();
    await expect.poll(() => apiAccess.getByRole('cell').allTextContents()).toEqual(['On', 'Included in your plan']);
  });

  it('shows the upgrade prompt for a locked feature, unlocks it by upgrading, and API calls move the gauge live', async () => {
    const { users } = await createTenantWithMembers(stack.api.database.db, 'Gauge Web', 'basic');
    await setPassword(stack.api, users.admin);
    const page = await stack.open('/developers');
    await signIn(page, 'admin@gauge-web.test');
    await heading(page, 'Developers');
    const prompt = page.getByRole('region', { name: 'Upgrade required' });
    await prompt.getByText('API Access is available on the Professional plan').waitFor();
    await checkScreen(page, 'developers-locked', async (p) => {
      await p.getByRole('link', { name: 'Upgrade to Professional' }).waitFor();
    });
    await prompt.getByRole('link', { name: 'Upgrade to Professional' }).click();
    await heading(page, 'Plan and billing');
    await page.getByRole('button', { name: 'Switch to Professional' }).click();
    await page.getByRole('button', { name: 'Confirm switch' }).click();
    await page.getByText('Your organization is now on the Professional plan').waitFor();

    await page.getByRole('link', { name: 'Developers' }).click();
    await heading(page, 'Developers');
    await page.getByLabel('Key name').fill('Gauge probe');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByLabel('New API key').inputValue();
    expect(key).toMatch(/^dgk_/);
    await checkScreen(page, 'developers-new-key', async (p) => {
      await p.getByRole('button', { name: 'Copy key' }).waitFor();
    });
    await page.getByRole('button', { name: 'Copy key' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('table', { name: 'API keys' }).getByText('Gauge probe').waitFor();

    await page.getByRole('link', { name: 'Overview' }).click();
    await heading(page, 'Overview');
    const gauge = page.getByRole('meter', { name: 'API calls this hour' });
    await page.getByText('Live updates on').waitFor();
    const before = Number(await gauge.getAttribute('aria-valuenow'));
    const tenantId = (await stack.api.client(key).auth.whoami.query()).tenant.id;
    for (let call = 0; call < 24; call++) {
      const response = await fetch(`${stack.api.url}/api/tenants/${tenantId}/usage`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(response.status).toBe(200);
    }
    const sent = Date.now();
    // 25 calls with the key (whoami and 24 usage reads); the console's own requests may add more.
    await expect
      .poll(async () => Number(await gauge.getAttribute('aria-valuenow')), { timeout: 30_000 })
      .toBeGreaterThanOrEqual(before + 25);
    console.info(`gauge moved ${Date.now() - sent} ms after the last API call`);
  });
});
