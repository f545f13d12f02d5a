import { readFile } from 'node:fs/promises';
import { totpCode } from '@digame/core/auth';
import { TenantUser } from '@digame/core/members';
import { createTenantWithMembers } from '@digame/core/testing';
import { describe, expect, it } from 'vitest';
import { checkScreen, heading, PASSWORD, setPassword, signIn, useConsoleStack } from './testing/stack.js';

const stack = await useConsoleStack();
const STEP_MS = 30_000;

describe('account', () => {
  it('signs another browser out from the sessions list, then enrols, renews and disables two-factor', async () => {
    const { users } = await createTenantWithMembers(stack.api.database.db, 'Account Web', 'professional');
    await setPassword(stack.api, users.manager);
    const laptop = await stack.open('/');
    await signIn(laptop, 'manager@account-web.test');
    await heading(laptop, 'Overview');
    await laptop.getByText('Live updates on').waitFor();

    const page = await stack.open('/account');
    await signIn(page, 'manager@account-web.test');
    await heading(page, 'Your account');
    const sessions = page.getByRole('table', { name: 'Active sessions' });
    await expect.poll(() => sessions.getByRole('row').count()).toBe(3);
    await checkScreen(page, 'account', async (p) => {
      await p.getByRole('table', { name: 'Active sessions' }).waitFor();
    });

    await page.getByLabel('Full name').fill('Morgan Manager');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Profile saved').waitFor();

    // The other browser is signed out at once: its next look at the api is refused.
    await sessions.getByRole('button', { name: /^Sign out Chrome/ }).click();
    await page.getByText('Session signed out').waitFor();
    await expect.poll(() => sessions.getByRole('row').count()).toBe(2);
    await heading(laptop, 'Sign in');

    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    const secret = (await page.getByTestId('mfa-secret').textContent()) ?? '';
    await page.getByLabel('Code from your app').fill('000000');
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page
      .getByRole('region', { name: 'Two-factor authentication' })
      .getByRole('alert')
      .filter({ hasText: /./ })
      .waitFor();
    await page.getByLabel('Code from your app').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('Two-factor authentication is on').first().waitFor();
    const codes = await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
    expect(codes).toHaveLength(10);
    await page.getByRole('button', { name: 'Copy codes' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${codes.join('\n')}\n`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download codes' }).click(),
    ]);
    expect(await readFile((await download.path()) as string, 'utf8')).toBe(`${codes.join('\n')}\n`);
    await checkScreen(page, 'account-mfa-on', async (p) => {
      await p.getByRole('button', { name: 'New recovery codes' }).waitFor();
    });

    await page.getByRole('button', { name: 'New recovery codes' }).click();
    await page.getByLabel('Code from your app').fill(totpCode(secret, Date.now() + STEP_MS));
    await page.getByRole('button', { name: 'Make new recovery codes' }).click();
    await page.getByText('New recovery codes made; the old ones no longer work').waitFor();
    const renewed = await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
    expect(renewed).toHaveLength(10);
    expect(renewed).not.toEqual(codes);

    // Still signed in here after enrolment ended every session of the account.
    await page.getByRole('button', { name: 'Turn off' }).click();
    await page
      .getByRole('region', { name: 'Two-factor authentication' })
      .getByLabel('Password', { exact: true })
      .fill(PASSWORD);
    await page.getByLabel('Code from your app').fill(renewed[0] as string);
    await page.getByRole('button', { name: 'Turn off two-factor' }).click();
    await page.getByText('Two-factor authentication is off').waitFor();
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).waitFor();

    await page.getByLabel('Current password').fill('not the password');
    await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase here');
    await page.getByLabel('Confirm new password').fill('a brand new passphrase here');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('region', { name: 'Password' }).getByRole('alert').filter({ hasText: /./ }).waitFor();
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed. Your other sessions were signed out.').waitFor();
  });

  it('switches between the organizations a person belongs to', async () => {
    const home = await createTenantWithMembers(stack.api.database.db, 'Home Org', 'professional');
    const client = await createTenantWithMembers(stack.api.database.db, 'Client Org', 'basic');
    await setPassword(stack.api, home.users.admin);
    await stack.api.database.db.inTenant(client.tenantId, async (em) => {
      em.create(TenantUser, { tenant: client.tenantId, user: home.users.admin, role: 'viewer' });
      await em.flush();
    });
    const page = await stack.open('/');
    await signIn(page, 'admin@home-org.test', { tenant: home.slug });
    await heading(page, 'Overview');
    await page.getByRole('link', { name: 'Developers' }).waitFor();
    await page.getByRole('button', { name: 'Organization: Home Org. Switch organization' }).click();
    await page.getByRole('menuitem', { name: /Client Org/ }).click();
    await page.getByText('Switched to Client Org').waitFor();
    await page.getByRole('button', { name: 'Organization: Client Org. Switch organization' }).waitFor();
    await heading(page, 'Overview');
    // A viewer there: the console shows what that role may do, nothing of the other organization.
    await expect.poll(() => page.getByRole('link', { name: 'Developers' }).count()).toBe(0);
    expect(await page.getByText('Client Org at a glance, updated live.').count()).toBe(1);
  });
});
