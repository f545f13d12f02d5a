import { exportArchiveKey, requestTenantExport, TenantDataExport } from '@digame/core/data-rights';
import { tenantContext } from '@digame/core/services';
import { createTenantWithMembers } from '@digame/core/testing';
import { User } from '@digame/core/users';
import { describe, expect, it } from 'vitest';
import { checkScreen, heading, linkFromEmail, setPassword, signIn, useConsoleStack } from './testing/stack.js';

const stack = await useConsoleStack();

/** A tenant export archive of a fresh organization, as the stack's worker builds it. */
async function exportArchive(name: string): Promise<Buffer> {
  const tenant = await createTenantWithMembers(stack.api.database.db, name, 'professional');
  const { deps } = stack.api;
  const requested = await deps.db.inTenant(tenant.tenantId, (em) =>
    requestTenantExport(tenantContext(em, tenant.tenantId, { userId: tenant.users.admin }, deps.services)),
  );
  await expect
    .poll(
      () =>
        deps.db.inTenant(tenant.tenantId, async (em) => {
          const row = await em.findOneOrFail(TenantDataExport, { tenant: tenant.tenantId, id: requested.id });
          return row.status;
        }),
      { timeout: 30_000 },
    )
    .toBe('ready');
  const chunks: Buffer[] = [];
  for await (const chunk of await deps.services.files.get(exportArchiveKey(tenant.tenantId, requested.id))) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

describe('restores in the operator console', () => {
  it('refuses a damaged archive in the api’s words, restores a good one with progress, and links to the new organization', async () => {
    const ops = await createTenantWithMembers(stack.api.database.db, 'Restore Operations', 'enterprise');
    await stack.api.database.db.inGlobal((em) =>
      em.nativeUpdate(User, { id: ops.users.admin }, { isPlatformOperator: true }),
    );
    await setPassword(stack.api, ops.users.admin);
    const archive = await exportArchive('Moving Company');

    const page = await stack.open('/operator/restores');
    await signIn(page, 'admin@restore-operations.test');
    await heading(page, 'Restores');
    await checkScreen(page, 'operator-restores', async (p) => {
      await p.getByText('Choose an archive').waitFor();
    });

    await page.getByLabel('Choose an archive').setInputFiles({
      name: 'cut.tar.gz',
      mimeType: 'application/gzip',
      buffer: archive.subarray(0, archive.length - 100),
    });
    await page
      .getByRole('alert')
      .getByText(/^cut\.tar\.gz was not accepted: The archive is damaged or not an export: /)
      .waitFor();

    await page.getByLabel('Choose an archive').setInputFiles({
      name: 'moving-company.tar.gz',
      mimeType: 'application/gzip',
      buffer: archive,
    });
    const started = page.getByRole('region', { name: 'Restores from this session' });
    await started.getByText('Restored').waitFor({ timeout: 30_000 });
    await checkScreen(page, 'operator-restores-done', async (p) => {
      await p.getByRole('link', { name: 'Open Moving Company' }).waitFor();
    });
    await started.getByRole('link', { name: 'Open Moving Company' }).click();
    await heading(page, 'Moving Company');

    // The restored organization's admin is mailed a link to set a password, and signs in to it.
    const link = await linkFromEmail(stack.smtp, 'admin@moving-company.test', '/set-password');
    expect(link).toMatch(/^\/set-password\?token=dgp_/);
  });
});
