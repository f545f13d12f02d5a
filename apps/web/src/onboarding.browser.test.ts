import { tenantIdByUuid } from '@digame/core/tenants';
import { User } from '@digame/core/users';
import { describe, expect, it } from 'vitest';
import { checkScreen, heading, setPassword, signIn, useConsoleStack } from './testing/stack.js';

const stack = await useConsoleStack();

describe('onboarding checklist', () => {
  it('ticks itself off as the new organization really does each step, and goes away when all are done', async () => {
    const { tenant } = await stack.api.client().tenants.create.mutate({
      name: 'Fresh Start',
      adminName: 'Fran Founder',
      adminEmail: 'fran@fresh-start.test',
      subscriptionTier: 'professional',
    });
    const db = stack.api.database.db;
    const tenantId = (await db.inGlobal((em) => tenantIdByUuid(em, tenant.id))) as number;
    const fran = await db.inGlobal((em) => em.findOneOrFail(User, { email: 'fran@fresh-start.test' }));
    await setPassword(stack.api, fran.id);
    const page = await stack.open('/');
    await signIn(page, 'fran@fresh-start.test');
    await heading(page, 'Overview');
    const checklist = page.getByRole('region', { name: 'Get started' });
    await checklist.getByText('0 of 5 steps done').waitFor();
    await checkScreen(page, 'overview-onboarding', async (p) => {
      await p.getByRole('list', { name: 'Onboarding steps' }).waitFor();
      await p.getByRole('meter', { name: 'API calls this hour' }).waitFor();
      await p.getByRole('figure', { name: 'API calls per hour, last 7 days' }).waitFor();
      await expect.poll(() => p.getByText('Loading chart…').count()).toBe(0);
    });
    const step = (label: string) => checklist.getByRole('listitem').filter({ hasText: label });
    const isDone = async (label: string) => (await step(label).getByRole('img', { name: 'Done' }).count()) === 1;

    // Changes made elsewhere (here through the api) tick the steps without a reload.
    const admin = stack.api.client(await stack.api.sessionToken({ tenantId, userId: fran.id, role: 'admin' }));
    await admin.tenants.update.mutate({ phone: '+1 555 0100', settings: { timezone: 'Europe/Paris' } });
    await expect.poll(() => isDone('Complete your organization profile')).toBe(true);
    await expect.poll(() => isDone('Configure settings')).toBe(true);
    await admin.invitations.create.mutate({ email: 'sam@fresh-start.test', role: 'member' });
    await expect.poll(() => isDone('Invite your team')).toBe(true);
    await checklist.getByText('3 of 5 steps done').waitFor();

    await step('Create an API key').getByRole('link', { name: 'Create a key' }).click();
    await heading(page, 'Developers');
    await page.getByLabel('Key name').fill('Onboarding');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('link', { name: 'Overview' }).click();
    await heading(page, 'Overview');
    await expect.poll(() => isDone('Create an API key')).toBe(true);

    await step('Choose a plan').getByRole('link', { name: 'Compare plans' }).click();
    await heading(page, 'Plan and billing');
    await page.getByRole('button', { name: 'Keep Professional' }).click();
    await page.getByRole('button', { name: 'Confirm switch' }).click();
    await page.getByText('Your organization is now on the Professional plan').waitFor();
    await page.getByRole('link', { name: 'Overview' }).click();
    await heading(page, 'Overview');
    await page.getByRole('meter', { name: 'Seats' }).waitFor();
    await expect.poll(() => checklist.count()).toBe(0);
  });
});
