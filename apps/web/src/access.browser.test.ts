import { totpCode } from '@digame/core/auth';
import { TenantSetting } from '@digame/core/settings';
import { createTenantWithMembers } from '@digame/core/testing';
import { describe, expect, it } from 'vitest';
import {
  checkScreen,
  heading,
  linkFromEmail,
  PASSWORD,
  setPassword,
  signIn,
  useConsoleStack,
} from './testing/stack.js';

/** One TOTP step: a code already spent is refused, so a second code comes from the next step. */
const STEP_MS = 30_000;

const stack = await useConsoleStack();

describe('a new organization, from sign-up to its console', () => {
  it('signs up, sets the password from the emailed link, and signs in to the overview', async () => {
    const page = await stack.open('/sign-up');
    await heading(page, 'Create your organization');
    await checkScreen(page, 'sign-up', async (p) => {
      await p.getByRole('radio', { name: /Professional/ }).waitFor();
    });

    // The api's field messages land on the fields.
    await page.getByLabel('Organization name').fill('A');
    await page.getByLabel('Your name').fill('Fay Founder');
    await page.getByLabel('Work email').fill('not-an-address');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByText('must be an email address').waitFor();
    expect(await page.getByLabel('Work email').getAttribute('aria-invalid')).toBe('true');
    await page.getByText('use at least 2 characters').waitFor();

    await page.getByLabel('Organization name').fill('Founders Web');
    await page.getByLabel('Work email').fill('fay@founders-web.test');
    await page.getByRole('radio', { name: /Basic/ }).check();
    await page.getByRole('button', { name: 'Create organization' }).click();
    await heading(page, 'Check your email');
    await page.getByText(/We sent fay@founders-web\.test an email with the next step/).waitFor();

    const link = await linkFromEmail(stack.smtp, 'fay@founders-web.test', '/set-password');
    await page.goto(link);
    await heading(page, 'Choose your password');
    await page.getByText('For fay@founders-web.test').waitFor();
    await checkScreen(page, 'set-password', async (p) => {
      await p.getByLabel('New password').waitFor();
    });
    await page.getByLabel('New password').fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(`${PASSWORD}!`);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('The passwords do not match.').waitFor();
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await heading(page, 'Password set');

    // The same link again: refused before anyone types, with a way to get a new one.
    await page.goto(link);
    await heading(page, 'This link no longer works');
    expect(await page.getByLabel('New password').count()).toBe(0);
    await page.getByRole('button', { name: 'Send a new link' }).waitFor();

    await page.goto('/sign-in');
    await checkScreen(page, 'sign-in', async (p) => {
      await p.getByLabel('Email').waitFor();
    });
    await signIn(page, 'fay@founders-web.test');
    await heading(page, 'Overview');
    expect(await page.title()).toBe('Overview · Digame Tenancy');
    await page.getByText(/days? left in your Basic trial/).waitFor();
    await page.getByRole('meter', { name: 'Seats' }).waitFor();
    expect(await page.getByRole('meter', { name: 'Seats' }).getAttribute('aria-valuetext')).toBe('1 of 10 (10%)');
    await checkScreen(page, 'overview', async (p) => {
      await p.getByRole('meter', { name: 'API calls this hour' }).waitFor();
      await p.getByRole('heading', { name: 'Alerts' }).waitFor();
      // The chart drawn, not its placeholder: the API calls and the chart code have both arrived.
      await p.getByRole('figure', { name: 'API calls per hour, last 7 days' }).waitFor();
      await expect.poll(() => p.getByText('Loading chart…').count()).toBe(0);
    });

    // A reload keeps the session (the refresh cookie), and the token never reaches document.cookie.
    await page.reload();
    await heading(page, 'Overview');
    expect(await page.evaluate(() => document.cookie)).toBe('');

    // Sign out from the account menu; a reload does not bring the session back.
    await page.getByRole('button', { name: 'Account menu' }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await heading(page, 'Sign in');
    await page.goto('/');
    await heading(page, 'Sign in');
  });

  it('shows a page that does not exist as such, inside the console', async () => {
    const { tenantId, users } = await createTenantWithMembers(stack.api.database.db, 'Lost Web');
    expect(tenantId).toBeGreaterThan(0);
    await setPassword(stack.api, users.admin);
    const page = await stack.open('/no-such-page');
    // Signed out: sent to sign in first, and brought back afterwards.
    await heading(page, 'Sign in');
    await signIn(page, 'admin@lost-web.test');
    await heading(page, 'Page not found');
    expect(new URL(page.url()).pathname).toBe('/no-such-page');
    await checkScreen(page, 'not-found', async (p) => {
      await p.getByRole('link', { name: 'Go to the overview' }).waitFor();
    });
    await page.getByRole('link', { name: 'Go to the overview' }).click();
    await heading(page, 'Overview');
    // After a navigation the new page's heading has the focus.
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
  });
});

describe('two-factor sign-in', () => {
  it('asks an enrolled account for its code after the password', async () => {
    const { tenantId, users } = await createTenantWithMembers(stack.api.database.db, 'Code Web');
    await setPassword(stack.api, users.admin);
    const client = stack.api.client(await stack.api.sessionToken({ tenantId, userId: users.admin, role: 'admin' }));
    const { secret } = await client.mfa.beginEnrolment.mutate();
    await client.mfa.confirmEnrolment.mutate({ code: totpCode(secret), refreshTokenDelivery: 'body' });

    const page = await stack.open('/sign-in');
    await signIn(page, 'admin@code-web.test');
    await page.getByText('Enter the code from your authenticator app to sign in to Code Web.').waitFor();
    await checkScreen(page, 'sign-in-mfa', async (p) => {
      await p.getByLabel('Code or recovery code').waitFor();
    });
    await page.getByLabel('Code or recovery code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('That code is not valid (or was already used)').waitFor();
    await page.getByLabel('Code or recovery code').fill(totpCode(secret, Date.now() + STEP_MS));
    await page.getByRole('button', { name: 'Verify' }).click();
    await heading(page, 'Overview');
  });

  it('enrols an account whose organization requires two-factor, then signs it in', async () => {
    const { tenantId, users } = await createTenantWithMembers(stack.api.database.db, 'Enrol Web');
    await setPassword(stack.api, users.admin);
    await stack.api.database.db.inTenant(tenantId, async (em) => {
      em.create(TenantSetting, { tenant: tenantId, category: 'security', key: 'mfaRequired', value: true });
    });
    await stack.api.deps.tenants.invalidate(tenantId);

    const page = await stack.open('/sign-in');
    await signIn(page, 'admin@enrol-web.test');
    await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    const secret = (await page.getByTestId('mfa-secret').textContent()) ?? '';
    await page.getByLabel('Code').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    const proceed = page.getByRole('button', { name: 'Continue' });
    await proceed.waitFor();
    expect(await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').count()).toBe(10);
    await proceed.click();
    await heading(page, 'Overview');
  });
});

describe('invitations', () => {
  it('creates an account from the invitation link; the used link then says so', async () => {
    const { tenantId, users } = await createTenantWithMembers(stack.api.database.db, 'Invite Web');
    const adminToken = await stack.api.sessionToken({ tenantId, userId: users.admin, role: 'admin' });
    await stack.api.client(adminToken).invitations.create.mutate({ email: 'newbie@invite-web.test', role: 'manager' });
    const link = await linkFromEmail(stack.smtp, 'newbie@invite-web.test', '/invitations/accept');

    const page = await stack.open(link);
    await heading(page, 'Join Invite Web');
    const facts = await page.getByRole('definition').allTextContents();
    expect(facts.slice(0, 3)).toEqual(['Invite Web', 'newbie@invite-web.test', 'manager']);
    await checkScreen(page, 'accept-invitation', async (p) => {
      await p.getByLabel('Full name').waitFor();
    });
    await page.getByLabel('Full name').fill('Nina Newbie');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account and join' }).click();
    await page.getByText('Your account is ready: you joined Invite Web as manager.').waitFor();

    await page.getByRole('link', { name: 'Sign in to Invite Web' }).click();
    await signIn(page, 'newbie@invite-web.test');
    await heading(page, 'Overview');

    const again = await stack.open(link);
    await again.getByText('This invitation has already been used. Sign in instead.').waitFor();
  });

  it('catches a signed-in user who is not the invited address before Join', async () => {
    const host = await createTenantWithMembers(stack.api.database.db, 'Host Web');
    const guest = await createTenantWithMembers(stack.api.database.db, 'Guest Web');
    await setPassword(stack.api, guest.users.viewer);
    await setPassword(stack.api, guest.users.member);
    const adminToken = await stack.api.sessionToken({
      tenantId: host.tenantId,
      userId: host.users.admin,
      role: 'admin',
    });
    await stack.api.client(adminToken).invitations.create.mutate({ email: 'viewer@guest-web.test', role: 'member' });
    const link = await linkFromEmail(stack.smtp, 'viewer@guest-web.test', '/invitations/accept');

    const page = await stack.open('/sign-in');
    await signIn(page, 'member@guest-web.test');
    await heading(page, 'Overview');
    await page.goto(link);
    await page
      .getByText('You are signed in as member@guest-web.test, but this invitation is for viewer@guest-web.test.', {
        exact: false,
      })
      .waitFor();
    expect(await page.getByRole('button', { name: 'Join Host Web' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Sign out and switch account' }).click();
    await heading(page, 'Sign in');
    await signIn(page, 'viewer@guest-web.test');
    // Back on the invitation (sign-in remembered where it came from), now offered to join directly.
    await page.getByRole('button', { name: 'Join Host Web' }).click();
    await page.getByText('You joined Host Web as member.').waitFor();

    // Two organizations now: the switcher moves between them.
    await page.getByRole('button', { name: 'Open Host Web' }).click();
    await heading(page, 'Overview');
    await page.getByRole('button', { name: /Organization: Host Web/ }).click();
    await page.getByRole('menuitem', { name: /Guest Web/ }).click();
    await page.getByRole('button', { name: /Organization: Guest Web/ }).waitFor();
    await page.getByText('Switched to Guest Web').waitFor();
  });
});

describe('the dev server', () => {
  it('serves nothing outside the web app, and proxies only /api/… (not every path starting with /api)', async () => {
    const outside = await fetch(`${stack.webUrl}/@fs${stack.repoRoot}package.json`);
    expect(outside.status).toBe(403);
    // .data holds the provisioned services' URLs and generated keys.
    const secrets = await fetch(`${stack.webUrl}/@fs${stack.repoRoot}.data/test/services.json`);
    expect(secrets.status).toBe(403);
    const traversal = await fetch(`${stack.webUrl}/@fs${stack.repoRoot}apps/web/../../package.json`);
    expect(traversal.status).not.toBe(200);

    const openapi = await fetch(`${stack.webUrl}/api/openapi.json`);
    expect(openapi.headers.get('content-type')).toContain('application/json');
    // A console route that merely starts with "api" is the console's, not the api's.
    const apiary = await fetch(`${stack.webUrl}/apiary`);
    expect(apiary.headers.get('content-type')).toContain('text/html');
    expect(await apiary.text()).toContain('<div id="root">');
  });
});
