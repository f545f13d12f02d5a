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
    await admin.getByLabel('Role').selectOption('manager');
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
    expect((await row.getByRole('cell').allTextContents()).slice(0, 2)).toEqual(['manager', 'Active']);
    await expect
      .poll(() => admin.getByRole('table', { name: 'Pending invitations' }).getByText('tess@team-web.test').count())
      .toBe(0);
  });
});
