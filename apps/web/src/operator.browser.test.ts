import { flushApiPerformance } from '@digame/core/operator-analytics';
import { createTenantWithMembers } from '@digame/core/testing';
import { User } from '@digame/core/users';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { checkScreen, heading, setPassword, signIn, useConsoleStack } from './testing/stack.js';

const stack = await useConsoleStack();

let operations: Promise<void> | undefined;

/** The operators' own organization (made once), with its admin flagged as a platform operator. */
async function operatorPage(): Promise<Page> {
  operations ??= (async () => {
    const tenant = await createTenantWithMembers(stack.api.database.db, 'Digame Operations', 'enterprise');
    await stack.api.database.db.inGlobal((em) =>
      em.nativeUpdate(User, { id: tenant.users.admin }, { isPlatformOperator: true }),
    );
    await setPassword(stack.api, tenant.users.admin);
  })();
  await operations;
  const page = await stack.open('/operator/tenants');
  await signIn(page, 'admin@digame-operations.test');
  await heading(page, 'Tenants');
  return page;
}

describe('operator console', () => {
  it('finds a tenant, suspends it (its user is signed out and told why), reactivates it, and an override changes its console live', async () => {
    const customer = await createTenantWithMembers(stack.api.database.db, 'Umbrella Web', 'basic');
    await setPassword(stack.api, customer.users.admin);
    // The worker scores the tenant's health, so its detail page has a history to draw.
    await stack.api.deps.jobs.enqueue('health.score', { tenantId: customer.tenantId }, { jobId: 'umbrella-health' });
    await expect.poll(() => stack.api.deps.jobs.queue('lifecycle').getJobState('umbrella-health')).toBe('completed');
    const memberToken = await stack.api.sessionToken({
      tenantId: customer.tenantId,
      userId: customer.users.member,
      role: 'member',
    });
    await stack.api.client(memberToken).support.open.mutate({
      subject: 'Exports time out',
      body: 'The monthly export stops after a minute.',
      priority: 'high',
    });

    const tenantUser = await stack.open('/developers');
    await signIn(tenantUser, 'admin@umbrella-web.test');
    await heading(tenantUser, 'Developers');
    await tenantUser.getByText('API Access is available on the Professional plan').waitFor();
    await tenantUser.getByText('Live updates on').waitFor();

    const operator = await operatorPage();
    // Operators see that they are operators, on every page.
    await operator.getByText('Platform operator', { exact: true }).first().waitFor();
    await operator.getByLabel('Search').fill('umbrella');
    const table = operator.getByRole('table', { name: 'Tenants' });
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    await operator.getByLabel('Tier').selectOption('basic');
    await operator.getByLabel('Status').selectOption('active');
    await table.getByRole('link', { name: 'Umbrella Web' }).waitFor();
    await checkScreen(operator, 'operator-tenants', async (p) => {
      await p.getByRole('table', { name: 'Tenants' }).getByRole('link', { name: 'Umbrella Web' }).waitFor();
    });

    // The tenant's console calls so far, as the worker's next flush would copy them.
    await stack.api.deps.apiPerformance.flush();
    await flushApiPerformance({
      db: stack.api.database.db,
      redis: stack.api.deps.redis,
      prefix: stack.api.config.REDIS_PREFIX,
    });
    await table.getByRole('link', { name: 'Umbrella Web' }).click();
    await heading(operator, 'Umbrella Web');
    await operator
      .getByRole('table', { name: 'Members of this tenant' })
      .getByText('admin@umbrella-web.test')
      .waitFor();
    await operator.getByRole('figure', { name: 'Health score by day' }).waitFor();
    await checkScreen(operator, 'operator-tenant-detail', async (p) => {
      await p.getByRole('table', { name: 'Operator access to this tenant' }).waitFor();
      await p.getByRole('figure', { name: 'Health score by day' }).waitFor();
      await p.getByRole('figure', { name: 'API calls per hour' }).waitFor();
    });

    await operator.getByRole('button', { name: 'Suspend' }).click();
    const suspendDialog = operator.getByRole('dialog', { name: 'Suspend Umbrella Web' });
    await suspendDialog.getByRole('button', { name: 'Suspend tenant' }).click();
    await suspendDialog.getByText('say why (at least 3 characters)').waitFor();
    await suspendDialog.getByLabel('Reason').fill('Unpaid invoices since October');
    await suspendDialog.getByRole('button', { name: 'Suspend tenant' }).click();
    await operator.getByText('Umbrella Web is suspended').waitFor();
    await operator
      .getByRole('region', { name: 'Standing' })
      .getByText('Suspended: Unpaid invoices since October')
      .waitFor();

    // The tenant's signed-in admin is signed out at once, with the operator's reason.
    await heading(tenantUser, 'Sign in');
    await tenantUser
      .getByRole('alert')
      .getByText(
        'You were signed out. This organization is suspended: Unpaid invoices since October. Contact your platform operator.',
      )
      .waitFor();
    await checkScreen(tenantUser, 'signed-out-suspended', async (p) => {
      await p.getByText('Contact your platform operator.').waitFor();
    });

    // Each entry into the tenant is in its audit log, and the page lists them with their reasons.
    const accesses = operator.getByRole('table', { name: 'Operator access to this tenant' });
    await accesses.getByText('Unpaid invoices since October').first().waitFor();

    await operator.getByRole('button', { name: 'Reactivate' }).click();
    const reactivateDialog = operator.getByRole('dialog', { name: 'Reactivate Umbrella Web' });
    await reactivateDialog.getByLabel('Reason').fill('Invoices paid');
    await reactivateDialog.getByRole('button', { name: 'Reactivate tenant' }).click();
    await operator.getByText('Umbrella Web is active again').waitFor();

    await signIn(tenantUser, 'admin@umbrella-web.test');
    await heading(tenantUser, 'Developers');
    await tenantUser.getByText('API Access is available on the Professional plan').waitFor();
    await tenantUser.getByText('Live updates on').waitFor();

    await operator.getByRole('button', { name: 'Override API Access' }).click();
    const override = operator.getByRole('dialog', { name: 'Override API Access' });
    await override.getByLabel('Setting').selectOption('on');
    await override.getByLabel('Reason').fill('Pilot of the integration');
    await override.getByRole('button', { name: 'Save override' }).click();
    await operator.getByText('API Access override saved').waitFor();

    // The tenant's console follows without a reload: the upgrade prompt gives way to the key form.
    await tenantUser.getByRole('button', { name: 'Create key' }).waitFor();
    expect(await tenantUser.getByText('API Access is available on the Professional plan').count()).toBe(0);
    await operator
      .getByRole('table', { name: 'Features and overrides' })
      .getByText('Override: Pilot of the integration')
      .waitFor();
  });

  it('shows queues with failures to retry, revenue and adoption, risks, and the support inbox', async () => {
    const operator = await operatorPage();
    const customer = await createTenantWithMembers(stack.api.database.db, 'Initech Web', 'professional');
    const memberToken = await stack.api.sessionToken({
      tenantId: customer.tenantId,
      userId: customer.users.member,
      role: 'member',
    });
    await stack.api.client(memberToken).support.open.mutate({
      subject: 'Cannot invite a colleague',
      body: 'The invitation email never arrives.',
      priority: 'urgent',
    });
    // A job about a tenant that does not exist fails for good: it shows among the failures.
    await stack.api.deps.jobs.enqueue('health.score', { tenantId: 987_654 }, { jobId: 'ghost-health' });
    await expect.poll(() => stack.api.deps.jobs.queue('lifecycle').getJobState('ghost-health')).toBe('failed');

    await operator.getByRole('link', { name: 'Queues' }).click();
    await heading(operator, 'Queues');
    const failures = operator.getByRole('table', { name: 'Recent failures in lifecycle' });
    await failures.getByText('unknown tenant').waitFor();
    await checkScreen(operator, 'operator-queues', async (p) => {
      await p.getByRole('table', { name: 'Jobs per queue and state' }).waitFor();
    });
    const lifecycle = stack.api.deps.jobs.queue('lifecycle');
    const firstRun = (await lifecycle.getJob('ghost-health'))?.finishedOn;
    await failures.getByRole('button', { name: /^Retry health\.score/ }).click();
    await operator.getByText('Job queued again on lifecycle').waitFor();
    // The worker ran it again (and it failed again: the tenant still does not exist).
    await expect.poll(async () => (await lifecycle.getJob('ghost-health'))?.finishedOn).toBeGreaterThan(firstRun ?? 0);
    await expect.poll(() => lifecycle.getJobState('ghost-health')).toBe('failed');

    await operator.getByRole('link', { name: 'Revenue and adoption' }).click();
    await heading(operator, 'Revenue and adoption');
    await operator.getByRole('table', { name: 'Revenue and churn by tier' }).waitFor();
    await checkScreen(operator, 'operator-revenue', async (p) => {
      await p.getByRole('figure', { name: 'MRR by tier, in dollars' }).waitFor();
      await p.getByRole('table', { name: 'Feature utilization by tier', exact: true }).waitFor();
    });

    await operator.getByRole('link', { name: 'Risks and signals' }).click();
    await heading(operator, 'Risks and signals');
    await checkScreen(operator, 'operator-risks', async (p) => {
      await p.getByRole('region', { name: 'Security signals, last 7 days' }).waitFor();
      await p.getByRole('table', { name: 'API performance per tenant' }).waitFor();
    });

    await operator.getByRole('link', { name: 'Support inbox' }).click();
    await heading(operator, 'Support inbox');
    await operator.getByRole('button', { name: 'Cannot invite a colleague' }).click();
    await operator.getByText('The invitation email never arrives.').waitFor();
    await operator.getByLabel('Reply').fill('We resent it; please check the spam folder.');
    await operator.getByRole('button', { name: 'Send reply' }).click();
    await operator.getByText('Reply sent').waitFor();
    await operator
      .getByRole('list', { name: 'Conversation' })
      .getByText('We resent it; please check the spam folder.')
      .waitFor();
    await checkScreen(operator, 'operator-support', async (p) => {
      await p.getByRole('list', { name: 'Conversation' }).waitFor();
    });
    const ticket = await stack.api.client(memberToken).support.list.query({ limit: 5 });
    expect(ticket[0]?.firstResponseAt).not.toBeNull();
  });
});
