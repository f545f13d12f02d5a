import { TenantAuditLog } from '@digame/core/audit';
import { createTenantWithMembers } from '@digame/core/testing';
import { describe, expect, it } from 'vitest';
import { checkScreen, heading, setPassword, signIn, useConsoleStack } from './testing/stack.js';

const stack = await useConsoleStack();

/** A 2×2 PNG, small enough to inline, real enough for the api's type check. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGNk+M/AwMDAxMDAwMDAAAANHQEDK+mmyAAAAABJRU5ErkJggg==',
  'base64',
);

describe('settings', () => {
  it('sets regional formats that the whole console follows, and security settings that keep the admin in', async () => {
    const { users } = await createTenantWithMembers(stack.api.database.db, 'Settings Web', 'professional');
    await setPassword(stack.api, users.admin);
    const page = await stack.open('/settings');
    await signIn(page, 'admin@settings-web.test');
    await heading(page, 'General settings');
    await checkScreen(page, 'settings-general', async (p) => {
      await p.getByLabel('Time zone').waitFor();
    });

    await page.getByLabel('Contact email').fill('not-an-address');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('must be an email address').waitFor();
    await page.getByLabel('Contact email').fill('billing@settings-web.test');
    await page.getByLabel('Time zone').selectOption('Asia/Tokyo');
    await page.getByLabel('Date format').selectOption('DD.MM.YYYY');
    await page.getByLabel('Currency').selectOption('EUR');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved').waitFor();

    // Dates elsewhere in the console now read day.month.year, and prices are in euros.
    await page.getByRole('link', { name: 'Team' }).click();
    await heading(page, 'Team');
    const joined = page
      .getByRole('table', { name: 'Members' })
      .getByRole('row')
      .filter({ hasText: 'admin@settings-web.test' })
      .getByRole('cell')
      .nth(2); // Role, Status, Joined, Actions
    await expect.poll(() => joined.textContent()).toMatch(/^\d{2}\.\d{2}\.\d{4}$/);
    await page.getByRole('link', { name: 'Plan and billing' }).click();
    await heading(page, 'Plan and billing');
    await page
      .getByRole('table', { name: 'Price, limits and features of each plan' })
      .getByText('€29')
      .first()
      .waitFor();

    await page.getByRole('link', { name: 'Settings' }).click();
    await heading(page, 'General settings');
    await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Security' }).click();
    await heading(page, 'Security settings');
    await page.getByText('Your address: 127.0.0.1').waitFor();
    await checkScreen(page, 'settings-security', async (p) => {
      await p.getByLabel('Allowed addresses').waitFor();
    });
    await page.getByLabel('Idle timeout (minutes)').fill('2');
    await page.getByRole('button', { name: 'Save security settings' }).click();
    await page.getByText('Too small').waitFor();
    await page.getByLabel('Idle timeout (minutes)').fill('30');
    await page.getByLabel('Allowed addresses').fill('203.0.113.0/24');
    await page.getByRole('button', { name: 'Save security settings' }).click();
    await page.getByText('This allowlist would lock you out: your address 127.0.0.1 is not on it').waitFor();
    await page.getByRole('button', { name: 'Add my address' }).click();
    await page.getByRole('button', { name: 'Save security settings' }).click();
    await page.getByText('Security settings saved').waitFor();
    await expect.poll(() => page.getByLabel('Allowed addresses').inputValue()).toBe('203.0.113.0/24\n127.0.0.1/32');
    await expect.poll(() => page.getByLabel('Idle timeout (minutes)').inputValue()).toBe('30');
  });

  it('brands the console with the colour and logo, previewed before saving', async () => {
    const { users, tenantUuid, tenantId } = await createTenantWithMembers(
      stack.api.database.db,
      'Brand Web',
      'professional',
    );
    await setPassword(stack.api, users.admin);
    const page = await stack.open('/settings/branding');
    await signIn(page, 'admin@brand-web.test');
    await heading(page, 'Branding');
    await page.getByLabel('Brand colour', { exact: true }).fill('#0f766e');
    const preview = page.getByRole('img', { name: 'Branding preview' });
    await expect
      .poll(() => preview.getByText('Primary action').evaluate((element) => getComputedStyle(element).backgroundColor))
      .toBe('rgb(15, 118, 110)');
    await page.getByRole('button', { name: 'Save colour' }).click();
    await page.getByText('Brand colour saved').waitFor();
    // The console itself now wears the colour: its primary buttons are painted with it.
    await expect
      .poll(() =>
        page
          .getByRole('button', { name: 'Save colour' })
          .evaluate((element) => getComputedStyle(element).backgroundColor),
      )
      .toBe('rgb(15, 118, 110)');

    await page.getByLabel('Upload logo').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PNG });
    await page.getByText('Logo uploaded').waitFor();
    const shellLogo = page.locator(`img[src*="/api/branding/${tenantUuid}/logo"]`).first();
    await shellLogo.waitFor();
    expect(await shellLogo.evaluate((image) => (image as HTMLImageElement).naturalWidth)).toBe(2);
    await checkScreen(page, 'settings-branding', async (p) => {
      await p.getByRole('button', { name: 'Remove logo' }).waitFor();
    });

    // Another member's console, opened afresh, shows the organization's colour too.
    await setPassword(stack.api, users.member);
    const member = await stack.open('/');
    await signIn(member, 'member@brand-web.test');
    await heading(member, 'Overview');
    await expect
      .poll(() =>
        member.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--primary').trim()),
      )
      .toBe('#0f766e');

    // On a plan without custom branding the stored colour stays, but the console is its own again.
    const admin = stack.api.client(await stack.api.sessionToken({ tenantId, userId: users.admin, role: 'admin' }));
    await admin.billing.changeTier.mutate({ tier: 'basic' });
    await expect
      .poll(() =>
        member.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--primary').trim()),
      )
      .toBe('#1d4ed8');
  });

  it('keeps secrets masked until revealed, and records each reveal', async () => {
    const { users, tenantId } = await createTenantWithMembers(stack.api.database.db, 'Secret Web', 'professional');
    await setPassword(stack.api, users.admin);
    const page = await stack.open('/settings/secrets');
    await signIn(page, 'admin@secret-web.test');
    await heading(page, 'Secret settings');
    const webhook = page.getByRole('region', { name: 'Shared secret that signs webhook deliveries' });
    await webhook.getByLabel('Shared secret that signs webhook deliveries').fill('too-short');
    await webhook.getByRole('button', { name: 'Save' }).click();
    await webhook.getByText('must be at least 16 characters').waitFor();
    await webhook.getByLabel('Shared secret that signs webhook deliveries').fill('whsec-0123456789abcdef');
    await webhook.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Shared secret that signs webhook deliveries saved').waitFor();
    await webhook.getByText(/^Set/).waitFor();
    expect(await webhook.getByText('whsec-0123456789abcdef').count()).toBe(0);
    // Single sign-on is an Enterprise feature: its secret says so instead of offering a field.
    await page
      .getByRole('region', { name: 'Client secret at the identity provider' })
      .getByText('Needs the Enterprise plan')
      .waitFor();
    await checkScreen(page, 'settings-secrets', async (p) => {
      await p.getByRole('button', { name: 'Reveal Shared secret that signs webhook deliveries' }).waitFor();
    });

    await webhook.getByRole('button', { name: 'Reveal Shared secret that signs webhook deliveries' }).click();
    await expect
      .poll(() => webhook.getByLabel('Value of Shared secret that signs webhook deliveries').textContent())
      .toBe('whsec-0123456789abcdef');
    const reveals = await stack.api.database.db.inTenant(tenantId, (em) =>
      em.find(TenantAuditLog, { tenant: tenantId, action: 'setting.revealed' }),
    );
    expect(reveals.map((entry) => [entry.resourceId, entry.user?.id])).toEqual([
      ['notifications.webhookSigningSecret', users.admin],
    ]);
  });
});
