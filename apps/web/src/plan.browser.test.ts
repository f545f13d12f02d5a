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
    expect(await apiAccess.getByRole('cell').allTextContents()).toEqual(['Off', 'Needs the Professional plan']);
    await checkScreen(page, 'billing', async (p) => {
      await p.getByRole('table', { name: 'Price, limits and features of each plan' }).waitFor();
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
});
