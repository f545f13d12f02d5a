import { createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type TestApi, useTestApi } from '@digame/api/testing';
import { totpCode } from '@digame/core/auth';
import type { EmailPayload } from '@digame/core/jobs';
import { TenantSetting } from '@digame/core/settings';
import { createTenantWithMembers } from '@digame/core/testing';
import { hashPassword, User } from '@digame/core/users';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './testing/browser.js';

const webRoot = fileURLToPath(new URL('..', import.meta.url));
const PASSWORD = 'correct horse battery staple';
/** One TOTP step: a code already spent is refused, so a second code comes from the next step. */
const STEP_MS = 30_000;

/** A port nothing listens on right now: the api must know the dashboard's origin before either starts. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const webPort = await freePort();
const webUrl = `http://127.0.0.1:${webPort}`;
// Cookie-carrying mutations (refresh, sign-out) are only accepted from APP_URL's origin.
const api = useTestApi({ APP_URL: webUrl });
const cleanups: Array<() => Promise<unknown> | unknown> = [];
let browser: Browser;

beforeAll(async () => {
  const vite: ViteDevServer = await createServer({
    root: webRoot,
    configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)),
    logLevel: 'silent',
    server: {
      host: '127.0.0.1',
      port: webPort,
      strictPort: true,
      watch: null,
      proxy: { '/trpc': api.url, '/api': api.url, '/healthz': api.url },
    },
  });
  cleanups.push(() => vite.close());
  await vite.listen();
  browser = await launchChromium();
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await browser?.close();
});

/** A fresh browser context per journey: its own cookie jar, like a different person's browser. */
async function newPage(path: string): Promise<Page> {
  const context = await browser.newContext();
  cleanups.push(() => context.close());
  const page = await context.newPage();
  await page.goto(`${webUrl}${path}`);
  return page;
}

/** The token in the link of the newest email of a template to an address (no worker runs here). */
async function tokenFromEmail(testApi: TestApi, to: string, template: EmailPayload['template']): Promise<string> {
  const started = Date.now();
  while (Date.now() - started < 5_000) {
    const jobs = await testApi.deps.jobs.queue('emails').getJobs(['waiting', 'delayed', 'prioritized']);
    const mail = jobs
      .sort((a, b) => b.timestamp - a.timestamp)
      .map((job) => job.data as EmailPayload)
      .find((payload) => payload.to === to && payload.template === template);
    if (mail) {
      const data = mail.data as { setPasswordUrl?: string; resetUrl?: string; acceptUrl?: string };
      const link = new URL(data.setPasswordUrl ?? data.resetUrl ?? data.acceptUrl ?? '');
      const token = link.searchParams.get('token');
      if (token) return token;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${template} email to ${to}`);
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function usageRow(page: Page, resource: string): Promise<string[]> {
  return page
    .getByRole('table', { name: "Usage against your plan's limits" })
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: resource, exact: true }) })
    .getByRole('cell')
    .allTextContents();
}

const organization = (page: Page) => page.getByRole('region', { name: 'Organization' });

describe('a new organization admin', () => {
  let page: Page;
  let slug: string;

  beforeAll(async () => {
    const created = await api.client().tenants.create.mutate({
      name: 'Welcome Web',
      admin_email: 'founder@welcome-web.test',
      admin_name: 'Wanda Founder',
      subscription_tier: 'professional',
    });
    slug = created.tenant.slug;
    const token = await tokenFromEmail(api, 'founder@welcome-web.test', 'welcome');
    page = await newPage(`/set-password?token=${encodeURIComponent(token)}`);
  });

  it('sets a password from the welcome link, and is sent to sign in', async () => {
    await page.getByLabel('New password').fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(`${PASSWORD}!`);
    await page.getByRole('button', { name: 'Set password' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toBe('The passwords do not match.');

    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('heading', { name: 'Password set' }).waitFor();
    expect(await page.getByRole('status').last().textContent()).toContain('founder@welcome-web.test');
    await page.getByRole('link', { name: 'Sign in', exact: true }).last().click();
    await page.getByRole('heading', { name: 'Sign in', level: 2 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/sign-in');
  });

  it('signs in and sees their organization and its usage', async () => {
    await signIn(page, 'founder@welcome-web.test', PASSWORD);
    await organization(page).getByText('Wanda Founder (founder@welcome-web.test)').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    const facts = await organization(page).locator('dd').allTextContents();
    expect(facts.slice(0, 4)).toEqual([
      'Wanda Founder (founder@welcome-web.test)',
      'admin',
      'Welcome Web',
      'professional',
    ]);
    expect(await usageRow(page, 'Users')).toEqual(['1', '50', '2%']);
    expect(await usageRow(page, 'Storage')).toEqual(['0 GB', '100 GB', '0%']);
    const apiCalls = await usageRow(page, 'API calls this hour');
    expect(apiCalls.slice(1)).toEqual(['5,000', expect.stringMatching(/^\d+(\.\d)?%$/)]);
    expect(Number(apiCalls[0])).toBeGreaterThan(0);
    // The existing panels stay below.
    await page.getByRole('heading', { name: 'System status' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  });

  it('is still signed in after a reload (the refresh cookie restores the session)', async () => {
    await page.reload();
    await organization(page).getByText('Wanda Founder (founder@welcome-web.test)').waitFor();
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it('signs out, and a reload does not bring the session back', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    expect(await organization(page).count()).toBe(0);
    await page.reload();
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    expect(await organization(page).count()).toBe(0);
  });

  it('finds the organization prefilled from a sign-in link', async () => {
    const linked = await newPage(`/sign-in?tenant=${slug}`);
    expect(await linked.getByLabel('Organization (optional)').inputValue()).toBe(slug);
  });
});

describe('sign-in errors', () => {
  it("shows the api's message for a wrong password, and field messages for bad input", async () => {
    const { users } = await createTenantWithMembers(api.database.db, 'Wrong Web');
    expect(users.admin).toBeTruthy();
    const page = await newPage('/sign-in');
    await signIn(page, 'admin@wrong-web.test', 'not the password');
    await expect.poll(() => page.getByRole('alert').first().textContent()).toBe('Invalid email or password');
    expect(await page.getByRole('button', { name: 'Sign in', exact: true }).isEnabled()).toBe(true);

    await signIn(page, 'not-an-address', 'whatever');
    await page.getByText('must be an email address').waitFor();
    expect(await page.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
  });

  it('sends a reset link from "Forgot password?" with the same answer for any address', async () => {
    const page = await newPage('/sign-in');
    await page.getByRole('button', { name: 'Forgot password?' }).click();
    await page.getByLabel('Email').fill('nobody@nowhere-web.test');
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByText('If an account uses that address, a reset link is on its way.').waitFor();
  });
});

describe('an invited new user', () => {
  it('creates an account from the invitation link, then signs in to the organization', async () => {
    const { tenantId, users } = await createTenantWithMembers(api.database.db, 'Invite Web');
    const adminToken = await api.sessionToken({ tenantId, userId: users.admin, role: 'admin' });
    await api.client(adminToken).invitations.create.mutate({ email: 'newbie@invite-web.test', role: 'manager' });
    const token = await tokenFromEmail(api, 'newbie@invite-web.test', 'invitation');
    const link = `/invitations/accept?token=${encodeURIComponent(token)}`;

    const page = await newPage(link);
    const facts = page.locator('dl.facts dd');
    await facts.first().waitFor();
    expect((await facts.allTextContents()).slice(0, 3)).toEqual(['Invite Web', 'newbie@invite-web.test', 'manager']);

    await page.getByLabel('Full name').fill('Nina Newbie');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account and join' }).click();
    await page.getByText('Your account is ready: you joined Invite Web as manager.').waitFor();

    await page.getByRole('link', { name: 'Sign in to Invite Web' }).click();
    await signIn(page, 'newbie@invite-web.test', PASSWORD);
    await organization(page).getByText('Nina Newbie (newbie@invite-web.test)').waitFor();
    expect(await organization(page).locator('dd').nth(1).textContent()).toBe('manager');

    // The link works once: opened again, it says so in the api's words.
    const again = await newPage(link);
    await again.getByText('This invitation has already been used. Sign in instead.').waitFor();
  });

  it('lets a signed-in member of another organization join as themselves', async () => {
    const inviting = await createTenantWithMembers(api.database.db, 'Host Web');
    const adminToken = await api.sessionToken({
      tenantId: inviting.tenantId,
      userId: inviting.users.admin,
      role: 'admin',
    });
    const { users } = await createTenantWithMembers(api.database.db, 'Guest Web');
    const passwordHash = await hashPassword(PASSWORD);
    await api.database.db.inGlobal((em) => em.nativeUpdate(User, { id: users.viewer }, { passwordHash }));
    await api.client(adminToken).invitations.create.mutate({ email: 'viewer@guest-web.test', role: 'member' });
    const token = await tokenFromEmail(api, 'viewer@guest-web.test', 'invitation');
    const link = `/invitations/accept?token=${encodeURIComponent(token)}`;

    const page = await newPage(link);
    await page.getByRole('link', { name: 'Sign in first' }).click();
    await signIn(page, 'viewer@guest-web.test', PASSWORD);
    // Back on the invitation (the sign-in remembered where it came from), now offered to join directly.
    await page.getByRole('button', { name: 'Join Host Web' }).click();
    await page.getByText('You joined Host Web as member.').waitFor();
  });

  it('shows an unknown link as invalid', async () => {
    const page = await newPage('/invitations/accept?token=not-a-real-token');
    await page
      .getByRole('alert')
      .getByText(/not valid/)
      .waitFor();
  });
});

describe('two-factor sign-in', () => {
  async function memberWithPassword(name: string) {
    const fixture = await createTenantWithMembers(api.database.db, name);
    const passwordHash = await hashPassword(PASSWORD);
    await api.database.db.inGlobal((em) => em.nativeUpdate(User, { id: fixture.users.admin }, { passwordHash }));
    return fixture;
  }

  it('asks an enrolled account for its code after the password', async () => {
    const { tenantId, users } = await memberWithPassword('Code Web');
    const client = api.client(await api.sessionToken({ tenantId, userId: users.admin, role: 'admin' }));
    const { secret } = await client.mfa.beginEnrolment.mutate();
    await client.mfa.confirmEnrolment.mutate({ code: totpCode(secret), refreshTokenDelivery: 'body' });

    const page = await newPage('/sign-in');
    await signIn(page, 'admin@code-web.test', PASSWORD);
    await page.getByText('Enter the code from your authenticator app to sign in to Code Web.').waitFor();
    await page.getByLabel('Code or recovery code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('That code is not valid (or was already used)').waitFor();
    await page.getByLabel('Code or recovery code').fill(totpCode(secret, Date.now() + STEP_MS));
    await page.getByRole('button', { name: 'Verify' }).click();
    await organization(page).getByText('Code Web Admin (admin@code-web.test)').waitFor();
  });

  it('enrols an account whose organization requires two-factor, then signs it in', async () => {
    const { tenantId } = await memberWithPassword('Enrol Web');
    await api.database.db.inTenant(tenantId, async (em) => {
      em.create(TenantSetting, { tenant: tenantId, category: 'security', key: 'mfaRequired', value: true });
    });
    await api.deps.tenants.invalidate(tenantId);

    const page = await newPage('/sign-in');
    await signIn(page, 'admin@enrol-web.test', PASSWORD);
    await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    const secret = (await page.locator('.enrolment code').textContent()) ?? '';
    await page.getByLabel('Code').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    const proceed = page.getByRole('button', { name: 'Continue' });
    await proceed.waitFor();
    expect(await page.locator('.recovery-codes li').count()).toBe(10);
    await proceed.click();
    await organization(page).getByText('Enrol Web Admin (admin@enrol-web.test)').waitFor();
  });
});
