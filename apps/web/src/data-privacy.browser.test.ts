import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { readExportArchive } from '@digame/core/data-rights';
import { uploadFile } from '@digame/core/files';
import { tenantContext } from '@digame/core/services';
import { createTenantWithMembers } from '@digame/core/testing';
import { describe, expect, it } from 'vitest';
import { checkScreen, heading, SCREENSHOTS, setPassword, signIn, useConsoleStack } from './testing/stack.js';

const stack = await useConsoleStack();

describe('Data & privacy', () => {
  it('requests an organization export, shows its progress live, and downloads the ready archive', async () => {
    const tenant = await createTenantWithMembers(stack.api.database.db, 'Privacy Web');
    await setPassword(stack.api, tenant.users.admin);
    const { db, services } = stack.api.deps;
    const uploads: Buffer[] = [];
    for (const name of ['contract.bin', 'minutes.bin', 'ledger.bin']) {
      const bytes = randomBytes(3 * 1024 * 1024);
      uploads.push(bytes);
      await uploadFile(
        (service) =>
          db.inTenant(tenant.tenantId, (em) =>
            service(tenantContext(em, tenant.tenantId, { userId: tenant.users.admin }, services)),
          ),
        services.files,
        { name, sizeBytes: bytes.length },
        Readable.from([bytes]),
      );
    }

    const page = await stack.open('/data-privacy');
    await signIn(page, 'admin@privacy-web.test');
    await heading(page, 'Data & privacy');
    const organization = page.getByRole('region', { name: 'Export the organization' });
    await organization.getByText('No exports yet').waitFor();

    // Held in the queue for a moment, so the queued state can be seen and pictured.
    const lifecycle = stack.api.deps.jobs.queue('lifecycle');
    await lifecycle.pause();
    await organization.getByRole('button', { name: 'Request export' }).click();
    await page.getByText('The export is being prepared').waitFor();
    const bar = organization.getByRole('progressbar');
    await bar.waitFor();
    expect(await bar.getAttribute('aria-valuenow')).toBe('0');
    await checkScreen(page, 'data-privacy-queued', async (p) => {
      await p
        .getByRole('region', { name: 'Export the organization' })
        .getByText('Queued')
        .filter({ visible: true })
        .waitFor();
    });

    // Every value the bar shows from now on, as the live events move it.
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { progressSeen: number[] }).progressSeen = seen;
      const record = () => {
        for (const node of document.querySelectorAll('#tenant-exports [role="progressbar"]')) {
          const value = Number(node.getAttribute('aria-valuenow'));
          if (seen.at(-1) !== value) seen.push(value);
        }
      };
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await lifecycle.resume();
    const download = organization.getByRole('button', { name: /Download the organization export/ });
    await download.waitFor({ timeout: 60_000 });
    await organization.getByText('Ready').filter({ visible: true }).waitFor();
    const seen = await page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
    expect(
      seen.some((value) => value > 0 && value < 100),
      `progress seen: ${seen.join(', ')}`,
    ).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));

    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toMatch(/^digame-export-privacy-web-\d{8}T\d{6}\.tar\.gz$/);
    const saved = `${SCREENSHOTS}${file.suggestedFilename()}`;
    await file.saveAs(saved);
    const manifest = await readExportArchive(Readable.from([readFileSync(saved)]));
    expect(manifest).toMatchObject({ scope: 'tenant', tenant: { uuid: tenant.tenantUuid } });
    expect(manifest.entries.filter((entry) => entry.kind === 'file').map((entry) => entry.bytes)).toEqual(
      uploads.map((bytes) => bytes.length),
    );
    await checkScreen(page, 'data-privacy-ready', async (p) => {
      await p
        .getByRole('region', { name: 'Export the organization' })
        .getByText('Ready')
        .filter({ visible: true })
        .waitFor();
    });

    // The email the worker sent leads back here, to the same archive.
    await stack.smtp.waitFor(() =>
      stack.smtp.to('admin@privacy-web.test').some((mail) => /export is ready/.test(mail.subject)),
    );
    const mail = stack.smtp.to('admin@privacy-web.test').find((m) => /export is ready/.test(m.subject));
    const link = new URL(/(https?:\/\/\S+\/data-privacy\?export=[0-9a-f-]+)/.exec(mail?.text ?? '')?.[1] ?? '');
    await page.goto(`${link.pathname}${link.search}`);
    await heading(page, 'Data & privacy');
    const fromEmail = page.getByRole('region', { name: 'The export from your email' });
    const [again] = await Promise.all([
      page.waitForEvent('download'),
      fromEmail.getByRole('button', { name: 'Download the archive' }).click(),
    ]);
    expect(again.suggestedFilename()).toBe(file.suggestedFilename());
  });

  it('lets a member export their own data, and an admin erase a member after typing their email', async () => {
    const tenant = await createTenantWithMembers(stack.api.database.db, 'Privacy Team');
    await setPassword(stack.api, tenant.users.member);
    await setPassword(stack.api, tenant.users.admin);
    const memberPage = await stack.open('/data-privacy', { phone: true });
    await signIn(memberPage, 'member@privacy-team.test');
    await heading(memberPage, 'Data & privacy');
    // A member sees their own exports only, not the organization's.
    expect(await memberPage.getByRole('region', { name: 'Export the organization' }).count()).toBe(0);
    const mine = memberPage.getByRole('region', { name: 'Export my data' });
    await mine.getByRole('button', { name: 'Export my data' }).click();
    await mine.getByRole('button', { name: /Download the personal export/ }).waitFor({ timeout: 60_000 });

    const adminPage = await stack.open('/team');
    await signIn(adminPage, 'admin@privacy-team.test');
    await heading(adminPage, 'Team');
    await adminPage.getByRole('button', { name: 'Actions for Privacy Team member' }).click();
    await adminPage.getByRole('menuitem', { name: 'Erase personal data…' }).click();
    const dialog = adminPage.getByRole('dialog', { name: "Erase Privacy Team member's personal data?" });
    const confirm = dialog.getByRole('button', { name: 'Erase personal data' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type member@privacy-team.test to confirm').fill('member@privacy-team.test');
    await checkScreen(adminPage, 'erase-member-dialog', async (p) => {
      await p.getByRole('dialog').waitFor();
    });
    await confirm.click();
    await adminPage.getByText("Privacy Team member's personal data was erased").waitFor();
    const members = adminPage.getByRole('table', { name: 'Members' });
    await expect.poll(() => members.getByText('member@privacy-team.test').count()).toBe(0);
    // The member's open console loses its session: they are signed out.
    await heading(memberPage, 'Sign in');
  });
});
