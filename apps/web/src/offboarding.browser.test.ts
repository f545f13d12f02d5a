import { TenantDeletion } from '@digame/core/offboarding';
import { createTenantWithMembers, moveDeletionDate } from '@digame/core/testing';
import { User } from '@digame/core/users';
import { describe, expect, it } from 'vitest';
import { checkScreen, heading, setPassword, signIn, useConsoleStack } from './testing/stack.js';

const stack = await useConsoleStack();

describe('deleting an organization', () => {
  it('schedules the deletion: every member sees the banner, nothing can change, and cancelling brings it back', async () => {
    const tenant = await createTenantWithMembers(stack.api.database.db, 'Offboard Web', 'professional');
    await setPassword(stack.api, tenant.users.admin);
    await setPassword(stack.api, tenant.users.member);

    const admin = await stack.open('/settings/deletion');
    await signIn(admin, 'admin@offboard-web.test');
    await heading(admin, 'Delete organization');
    await checkScreen(admin, 'offboarding-settings', async (p) => {
      await p.getByRole('button', { name: 'Delete organization…' }).waitFor();
    });

    await admin.getByRole('button', { name: 'Delete organization…' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Schedule the deletion' });
    await dialog.getByRole('button', { name: 'Schedule deletion' }).click();
    await dialog.getByText('say why (at least 3 characters)').waitFor();
    await dialog.getByText('type the organization’s slug to confirm').waitFor();
    await dialog.getByLabel('Reason').fill('We are moving to another vendor');
    await dialog.getByLabel(`Type ${tenant.slug} to confirm`).fill('offboard');
    await dialog.getByRole('button', { name: 'Schedule deletion' }).click();
    await dialog.getByText(`type ${tenant.slug} to confirm`).waitFor();
    await dialog.getByLabel(`Type ${tenant.slug} to confirm`).fill(tenant.slug);
    await dialog.getByRole('button', { name: 'Schedule deletion' }).click();
    await admin.getByText('The deletion is scheduled').waitFor();
    await admin.getByText(/Deletion on .* — 30 days left\./).waitFor();
    await admin.getByRole('region', { name: 'Scheduled deletion' }).waitFor();
    await checkScreen(admin, 'offboarding-scheduled', async (p) => {
      await p.getByRole('button', { name: 'Cancel the deletion' }).waitFor();
    });

    // Another member, in another browser: the banner on every screen, reading still works.
    const member = await stack.open('/');
    await signIn(member, 'member@offboard-web.test');
    await heading(member, 'Overview');
    const banner = member.getByRole('region', { name: 'Scheduled deletion' });
    await banner.getByText(/scheduled for deletion on .* \(30 days left\)/).waitFor();
    await member.getByRole('link', { name: 'Team' }).click();
    await heading(member, 'Team');
    await banner.waitFor();
    await checkScreen(member, 'offboarding-banner', async (p) => {
      await p.getByRole('region', { name: 'Scheduled deletion' }).waitFor();
    });

    // A change is refused with the date.
    await admin.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'General' }).click();
    await heading(admin, 'General settings');
    await admin.getByLabel('Organization name').fill('Offboard Web Renamed');
    await admin.getByRole('button', { name: 'Save settings' }).click();
    await admin.getByText(/This organization is scheduled for deletion on .* and is read-only until then/).waitFor();

    await admin
      .getByRole('navigation', { name: 'Settings sections' })
      .getByRole('link', { name: 'Delete organization' })
      .click();
    await heading(admin, 'Delete organization');
    await admin.getByRole('button', { name: 'Cancel the deletion' }).click();
    await admin
      .getByRole('dialog', { name: 'Cancel the deletion?' })
      .getByRole('button', { name: 'Cancel the deletion' })
      .click();
    await admin.getByText('The deletion is cancelled').waitFor();
    await admin.getByRole('button', { name: 'Delete organization…' }).waitFor();
    await admin.getByRole('region', { name: 'Scheduled deletion' }).waitFor({ state: 'detached' });
    // The other member's banner goes with the live update, and changes work again.
    await banner.waitFor({ state: 'detached' });
    await admin.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'General' }).click();
    await heading(admin, 'General settings');
    await admin.getByLabel('Organization name').fill('Offboard Web Renamed');
    await admin.getByRole('button', { name: 'Save settings' }).click();
    await admin.getByText('Settings saved').waitFor();
  });

  it('lets a platform operator schedule and cancel a customer’s deletion from its tenant page', async () => {
    const operations = await createTenantWithMembers(stack.api.database.db, 'Offboard Operations', 'enterprise');
    await stack.api.database.db.inGlobal((em) =>
      em.nativeUpdate(User, { id: operations.users.admin }, { isPlatformOperator: true }),
    );
    await setPassword(stack.api, operations.users.admin);
    const customer = await createTenantWithMembers(stack.api.database.db, 'Offboard Customer', 'basic');

    const operator = await stack.open(`/operator/tenants/${customer.tenantUuid}`);
    await signIn(operator, 'admin@offboard-operations.test');
    await heading(operator, 'Offboard Customer');
    const card = operator.getByRole('region', { name: 'Delete organization' });
    await card.getByRole('button', { name: 'Delete organization…' }).click();
    const dialog = operator.getByRole('dialog', { name: 'Schedule the deletion' });
    await dialog.getByLabel('Reason').fill('Contract ended');
    await dialog.getByLabel(`Type ${customer.slug} to confirm`).fill(customer.slug);
    await dialog.getByRole('button', { name: 'Schedule deletion' }).click();
    await card.getByText(/Deletion on .* — 30 days left\./).waitFor();
    await card.getByText(/by a platform operator/).waitFor();
    // The operator's own organization is not the one scheduled: no banner for them.
    await operator.getByRole('region', { name: 'Scheduled deletion' }).waitFor({ state: 'detached' });
    await checkScreen(operator, 'offboarding-operator', async (p) => {
      await p
        .getByRole('region', { name: 'Delete organization' })
        .getByRole('button', { name: 'Cancel the deletion' })
        .waitFor();
    });
    await card.getByRole('button', { name: 'Cancel the deletion' }).click();
    await operator
      .getByRole('dialog', { name: 'Cancel the deletion?' })
      .getByRole('button', { name: 'Cancel the deletion' })
      .click();
    await card.getByRole('button', { name: 'Delete organization…' }).waitFor();

    // Scheduled again and past its notice period: the worker deletes it, and operators keep the record.
    await stack.api
      .client(
        await stack.api.sessionToken({ tenantId: customer.tenantId, userId: customer.users.admin, role: 'admin' }),
      )
      .offboarding.schedule.mutate({ reason: 'Closing for good', confirmation: customer.slug });
    await moveDeletionDate(stack.api.database.ownerUrl, customer.tenantId, new Date(Date.now() - 1000));
    await stack.api.deps.jobs.enqueue('offboarding.scan', {}, { jobId: 'offboarding-browser-scan' });
    await expect
      .poll(
        async () =>
          (
            await stack.api.database.db.inGlobal((em) =>
              em.findOne(TenantDeletion, { deletedTenantId: customer.tenantId }),
            )
          )?.completedAt ?? null,
        { timeout: 30_000 },
      )
      .toBeInstanceOf(Date);
    await operator.getByRole('link', { name: 'All tenants' }).click();
    await heading(operator, 'Tenants');
    const deleted = operator.getByRole('table', { name: 'Deleted organizations' });
    await deleted.getByRole('rowheader', { name: customer.tenantUuid }).waitFor();
    await checkScreen(operator, 'offboarding-deleted', async (p) => {
      await p.getByRole('table', { name: 'Deleted organizations' }).waitFor();
    });
    expect(await deleted.textContent()).not.toContain('Offboard Customer');
  });
});
