import { TenantUser } from '@digame/core/members';
import { createTenantWithMembers } from '@digame/core/testing';
import { findOrCreateUser } from '@digame/core/users';
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

const stack = await useConsoleStack();

describe('team', () => {
  it('invites a member by email; accepting in another browser shows them here without a reload', async () => {
    const { users } = await createTenantWithMembers(stack.api.database.db, 'Team Web', 'professional');
    await setPassword(stack.api, users.admin);
    const admin = await stack.open('/team');
    await signIn(admin, 'admin@team-web.test');
    await heading(admin, 'Team');
    await admin.getByRole('table', { name: 'Members' }).getByText('admin@team-web.test').waitFor();

    await admin.getByLabel('Email address').fill('not-an-address');
    await admin.getByRole('button', { name: 'Send invitation' }).click();
    await admin.getByText('must be an email address').waitFor();
    await admin.getByLabel('Email address').fill('tess@team-web.test');
    await admin.getByLabel('Role', { exact: true }).selectOption('manager');
    await admin.getByRole('button', { name: 'Send invitation' }).click();
    await admin.getByRole('table', { name: 'Pending invitations' }).getByText('tess@team-web.test').waitFor();
    await checkScreen(admin, 'team', async (p) => {
      await p.getByRole('table', { name: 'Pending invitations' }).waitFor();
    });

    const link = await linkFromEmail(stack.smtp, 'tess@team-web.test', '/invitations/accept');
    const invitee = await stack.open(link);
    await heading(invitee, 'Join Team Web');
    await invitee.getByLabel('Full name').fill('Tess Teammate');
    await invitee.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await invitee.getByLabel('Confirm password').fill(PASSWORD);
    await invitee.getByRole('button', { name: 'Create account and join' }).click();
    await invitee.getByText('Your account is ready: you joined Team Web as manager.').waitFor();

    // The admin's page learns of it from the event stream: no reload, no polling.
    const members = admin.getByRole('table', { name: 'Members' });
    await members.getByText('Tess Teammate').waitFor();
    const row = members.getByRole('row').filter({ hasText: 'Tess Teammate' });
    expect(await admin.getByLabel('Role of Tess Teammate').inputValue()).toBe('manager');
    expect(await row.getByText('Active', { exact: true }).count()).toBe(1);
    await expect
      .poll(() => admin.getByRole('table', { name: 'Pending invitations' }).getByText('tess@team-web.test').count())
      .toBe(0);

    // Someone who cannot manage the team reads roles as words: on a phone each member is a block.
    await setPassword(stack.api, users.member);
    const member = await stack.open('/team');
    await signIn(member, 'member@team-web.test');
    await heading(member, 'Team');
    await member.getByRole('table', { name: 'Members' }).getByText('Tess Teammate').waitFor();
    expect(await member.getByLabel('Role of Tess Teammate').count()).toBe(0);
    await checkScreen(member, 'team-as-member', async (p) => {
      await p.getByRole('table', { name: 'Members' }).getByText('tess@team-web.test').waitFor();
    });
  });

  it('filters, searches and pages members; changes roles, permissions and status; resends and revokes invitations', async () => {
    const tenant = await createTenantWithMembers(stack.api.database.db, 'Crew Web', 'professional');
    const db = stack.api.database.db;
    // Eight more members, so the list has a second page of ten.
    for (let index = 1; index <= 8; index++) {
      const user = await db.inGlobal((em) =>
        findOrCreateUser(em, { email: `crew${index}@crew-web.test`, fullName: `Crew Member ${index}` }),
      );
      await db.inTenant(tenant.tenantId, async (em) => {
        em.create(TenantUser, { tenant: tenant.tenantId, user: user.id, role: 'member' });
        await em.flush();
      });
    }
    await setPassword(stack.api, tenant.users.admin);
    const page = await stack.open('/team');
    await signIn(page, 'admin@crew-web.test');
    await heading(page, 'Team');
    const members = page.getByRole('table', { name: 'Members' });
    const names = () => members.getByRole('rowheader').allTextContents();
    await expect.poll(async () => (await names()).length).toBe(10);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2').waitFor();
    await expect.poll(async () => (await names()).length).toBe(2);
    const seats = page.getByRole('meter', { name: 'Seats used' });
    expect(await seats.getAttribute('aria-valuenow')).toBe('12');

    await page.getByLabel('Search members').fill('viewer');
    await expect.poll(names).toEqual(['Crew Web viewerviewer@crew-web.test']);
    await page.getByText('Page 1').waitFor();
    await page.getByLabel('Search members').fill('');
    await page.getByLabel('Role filter').selectOption('manager');
    await expect.poll(names).toEqual(['Crew Web managermanager@crew-web.test']);
    await page.getByLabel('Status filter').selectOption('inactive');
    await page.getByText('No members match these filters').waitFor();
    await page.getByLabel('Status filter').selectOption('');
    await page.getByLabel('Role filter').selectOption('');

    await page.getByLabel('Search members').fill('Crew Member 1');
    await expect.poll(names).toEqual(['Crew Member 1crew1@crew-web.test']);
    await page.getByLabel('Role of Crew Member 1').selectOption('viewer');
    await page.getByText('Crew Member 1 is now viewer').waitFor();

    await page.getByLabel('Search members').fill('Crew Web');
    await expect.poll(async () => (await names()).length).toBe(4);
    await page.getByRole('button', { name: 'Actions for Crew Web viewer' }).click();
    await page.getByRole('menuitem', { name: 'Permissions…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Permissions of Crew Web viewer' });
    const permissionRow = (permission: string) =>
      dialog.getByRole('row').filter({ has: page.getByRole('rowheader', { name: permission, exact: true }) });
    expect(await permissionRow('files.read').getByRole('cell').first().textContent()).toBe('Yes');
    expect(await permissionRow('usage.read').getByRole('cell').first().textContent()).toBe('No');
    await dialog.getByLabel('Override for usage.read').selectOption('grant');
    await dialog.getByLabel('Override for files.read').selectOption('deny');
    expect(await permissionRow('usage.read').getByRole('cell').last().textContent()).toBe('Allowed');
    expect(await permissionRow('files.read').getByRole('cell').last().textContent()).toBe('Not allowed');
    await checkScreen(page, 'team-permissions', async (p) => {
      await p.getByRole('dialog', { name: 'Permissions of Crew Web viewer' }).waitFor();
    });
    await dialog.getByRole('button', { name: 'Save permissions' }).click();
    await page.getByText('Permissions of Crew Web viewer saved').waitFor();
    const viewer = (
      await stack.api
        .client(await stack.api.sessionToken({ tenantId: tenant.tenantId, userId: tenant.users.admin, role: 'admin' }))
        .members.list.query({ search: 'viewer@crew-web.test' })
    ).items[0];
    expect(viewer?.permissionOverrides).toEqual({ grant: ['usage.read'], deny: ['files.read'] });
    expect(viewer?.effectivePermissions).toEqual(expect.arrayContaining(['usage.read']));
    expect(viewer?.effectivePermissions).not.toContain('files.read');

    await page.getByRole('button', { name: 'Actions for Crew Web manager' }).click();
    await page.getByRole('menuitem', { name: 'Deactivate' }).click();
    await page.getByText('Crew Web manager was deactivated').waitFor();
    await expect.poll(() => seats.getAttribute('aria-valuenow')).toBe('11');
    await page.getByRole('button', { name: 'Actions for Crew Web manager' }).click();
    await page.getByRole('menuitem', { name: 'Reactivate' }).click();
    await page.getByText('Crew Web manager was reactivated').waitFor();
    await expect.poll(() => seats.getAttribute('aria-valuenow')).toBe('12');

    await page.getByLabel('Search members').fill('Crew Member 8');
    await expect.poll(names).toEqual(['Crew Member 8crew8@crew-web.test']);
    await page.getByRole('button', { name: 'Actions for Crew Member 8' }).click();
    await page.getByRole('menuitem', { name: 'Remove…' }).click();
    await page
      .getByRole('dialog', { name: 'Remove Crew Member 8?' })
      .getByRole('button', { name: 'Remove member' })
      .click();
    await page.getByText('Crew Member 8 was removed').waitFor();
    await expect.poll(() => seats.getAttribute('aria-valuenow')).toBe('11');

    await page.getByLabel('Email address').fill('late@crew-web.test');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    const invitations = page.getByRole('table', { name: 'Pending invitations' });
    await invitations.getByText('late@crew-web.test').waitFor();
    await invitations.getByRole('button', { name: 'Resend invitation to late@crew-web.test' }).click();
    await page.getByText(/^New invitation sent to late@crew-web.test, valid until/).waitFor();
    await checkScreen(page, 'team-members', async (p) => {
      await p.getByRole('table', { name: 'Pending invitations' }).waitFor();
    });
    await invitations.getByRole('button', { name: 'Revoke invitation to late@crew-web.test' }).click();
    await page.getByText('No open invitations').waitFor();
    await page.getByLabel('Show accepted and revoked').check();
    const all = page.getByRole('table', { name: 'Invitations' });
    await expect
      .poll(() => all.getByRole('row').filter({ hasText: 'late@crew-web.test' }).getByRole('cell').nth(1).textContent())
      .toBe('revoked');
  });
});
