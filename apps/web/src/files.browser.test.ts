import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FILES_PAGE_SIZE } from './features/files/files-table.js';
import { checkScreen, heading, setPassword, signIn, useConsoleStack } from './testing/stack.js';

const stack = await useConsoleStack();
const GIB = 1024 ** 3;

/** Uploads straight to the api as the member, the way another browser or a script would. */
async function uploadAs(tenant: TenantFixture, name: string, bytes: Buffer): Promise<void> {
  const token = await stack.api.sessionToken({
    tenantId: tenant.tenantId,
    userId: tenant.users.member,
    role: 'member',
  });
  const response = await fetch(`${stack.api.url}/api/files?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
    body: new Uint8Array(bytes),
  });
  expect(response.status).toBe(201);
}

/** Leaves exactly `bytes` of the tenant's quota free, as if its database rows had grown to fill the rest. */
async function leaveFree(tenant: TenantFixture, bytes: number): Promise<void> {
  await stack.api.database.db.inTenant(tenant.tenantId, async (em) => {
    const [row] = await em.execute<{ limit_bytes: string; file_bytes: string }[]>(
      `select t.storage_limit_gb::bigint * ${GIB} as limit_bytes,
              (select coalesce(sum(size_bytes), 0) from tenant_files f where f.tenant_id = t.id) as file_bytes
         from tenants t where t.id = ?`,
      [tenant.tenantId],
    );
    const databaseBytes = Number(row?.limit_bytes) - Number(row?.file_bytes) - bytes;
    await em.execute(
      `insert into tenant_storage_usage (tenant_id, database_bytes, database_measured_at) values (?, ?, now())
       on conflict (tenant_id) do update set database_bytes = excluded.database_bytes`,
      [tenant.tenantId, databaseBytes],
    );
  });
}

const fileRows = (page: Page) => page.getByRole('table', { name: 'Files' }).getByRole('rowheader');
/** The names as a person reads them (on a phone the size and date follow on a line of their own). */
const fileNames = async (page: Page) => (await fileRows(page).allInnerTexts()).map((text) => text.split('\n')[0]);

describe('files', () => {
  it('uploads several files with progress (picked and dropped), lists, downloads and deletes them', async () => {
    const tenant = await createTenantWithMembers(stack.api.database.db, 'Files Web', 'professional');
    await setPassword(stack.api, tenant.users.admin);
    const page = await stack.open('/files');
    await signIn(page, 'admin@files-web.test');
    await heading(page, 'Files');
    await page.getByText('No files yet').waitFor();
    await page.getByRole('meter', { name: 'Storage' }).waitFor();
    await checkScreen(page, 'files-empty', async (p) => {
      await p.getByText('Choose files').waitFor();
    });

    // A slow uplink, so the progress bar is seen moving rather than only finished.
    const network = await page.context().newCDPSession(page);
    await network.send('Network.enable');
    await network.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 400 * 1024,
    });
    const report = randomBytes(1024 * 1024);
    const notes = Buffer.from('minutes of the board meeting\n');
    await page.getByLabel('Choose files').setInputFiles([
      { name: 'report.bin', mimeType: 'application/octet-stream', buffer: report },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: notes },
    ]);
    const reportBar = page.getByRole('progressbar', { name: 'Upload of report.bin' });
    const seen = new Set<number>();
    await expect
      .poll(
        async () => {
          seen.add(Number(await reportBar.getAttribute('aria-valuenow')));
          return seen.has(100);
        },
        { interval: 50, timeout: 30_000 },
      )
      .toBe(true);
    expect(
      [...seen].some((percent) => percent > 0 && percent < 100),
      `progress seen: ${[...seen]}`,
    ).toBe(true);
    await network.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await page
      .getByRole('progressbar', { name: 'Upload of notes.txt' })
      .and(page.locator('[aria-valuenow="100"]'))
      .waitFor();

    // Dropped onto the zone instead of picked.
    const dropped = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['dropped bytes'], 'dropped.csv', { type: 'text/csv' }));
      return transfer;
    });
    await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: dropped });
    await expect.poll(() => fileNames(page)).toEqual(['dropped.csv', 'notes.txt', 'report.bin']);
    const reportRow = page.getByRole('table', { name: 'Files' }).getByRole('row').filter({ hasText: 'report.bin' });
    await reportRow.getByText('1 MB', { exact: true }).waitFor();
    await reportRow.getByText('application/octet-stream').waitFor();
    await reportRow.getByText('admin@files-web.test').waitFor();
    await page.getByText(/^Files 1 MB · data /).waitFor();
    expect(await page.getByRole('meter', { name: 'Storage' }).getAttribute('aria-valuetext')).toMatch(/ of 100 GB \(/);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download report.bin' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('report.bin');
    expect((await readFile(await download.path())).equals(report)).toBe(true);

    await checkScreen(page, 'files', async (p) => {
      await p.getByRole('button', { name: 'Download notes.txt' }).waitFor();
    });

    await page.getByRole('button', { name: 'Delete notes.txt' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete notes.txt?' });
    await confirm.getByText('This cannot be undone').waitFor();
    await confirm.getByRole('button', { name: 'Delete file' }).click();
    await page.getByText('notes.txt deleted').waitFor();
    await expect.poll(() => fileNames(page)).toEqual(['dropped.csv', 'report.bin']);
    const admin = stack.api.client(
      await stack.api.sessionToken({ tenantId: tenant.tenantId, userId: tenant.users.admin, role: 'admin' }),
    );
    expect((await admin.files.list.query()).items.map((file) => file.name)).toEqual(['dropped.csv', 'report.bin']);

    // More files than a page holds: the list pages, newest first, and another member's uploads arrive live.
    for (let index = 0; index < FILES_PAGE_SIZE; index++)
      await uploadAs(tenant, `batch-${index}.txt`, Buffer.from('x'));
    await expect.poll(async () => (await fileNames(page))[0]).toBe(`batch-${FILES_PAGE_SIZE - 1}.txt`);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2').waitFor();
    await expect.poll(() => fileNames(page)).toEqual(['dropped.csv', 'report.bin']);
  });

  it('refuses what would exceed the storage quota, in the browser and at the api', async () => {
    const tenant = await createTenantWithMembers(stack.api.database.db, 'Quota Web', 'basic');
    await setPassword(stack.api, tenant.users.member);
    await leaveFree(tenant, 10_000);
    const page = await stack.open('/files');
    await signIn(page, 'member@quota-web.test');
    await heading(page, 'Files');
    const gauge = page.getByRole('meter', { name: 'Storage' });
    await gauge.waitFor();
    await page.getByText('At the limit').waitFor();
    await page.getByText(/9\.8 KB left/).waitFor();

    // Someone else fills the quota after this page read it (9.8 KB left): the api refuses, with its newer count.
    await leaveFree(tenant, 100);
    await page.getByLabel('Choose files').setInputFiles({
      name: 'contract.pdf',
      mimeType: 'application/pdf',
      buffer: randomBytes(5_000),
    });
    await page
      .getByRole('alert')
      .getByText('Not uploaded: contract.pdf (4.9 KB) would exceed your storage quota; 100 bytes left.')
      .waitFor();
    await page.getByText(/^Files 0 bytes · data .* · 100 bytes left$/).waitFor();

    // Now the page knows: a file larger than what is left is refused before a byte is sent.
    await page.getByLabel('Choose files').setInputFiles({
      name: 'scan.png',
      mimeType: 'image/png',
      buffer: randomBytes(2_000),
    });
    await page
      .getByRole('alert')
      .getByText('Not uploaded: scan.png (2 KB) would exceed your storage quota; 100 bytes left.')
      .waitFor();
    await page.getByText('No files yet').waitFor();
    await checkScreen(page, 'files-quota', async (p) => {
      await p.getByText(/scan.png .* would exceed your storage quota/).waitFor();
    });
    const member = stack.api.client(
      await stack.api.sessionToken({ tenantId: tenant.tenantId, userId: tenant.users.member, role: 'member' }),
    );
    expect((await member.files.list.query()).items).toEqual([]);
    expect((await member.files.quota.query()).reservedBytes).toBe(0);
  });

  it('shows a viewer the files to download, without upload or delete, and says why', async () => {
    const tenant = await createTenantWithMembers(stack.api.database.db, 'Viewer Files', 'professional');
    await uploadAs(tenant, 'handbook.txt', Buffer.from('read me'));
    await setPassword(stack.api, tenant.users.viewer);
    const page = await stack.open('/files');
    await signIn(page, 'viewer@viewer-files.test');
    await heading(page, 'Files');
    await page.getByRole('button', { name: 'Download handbook.txt' }).waitFor();
    await page.getByText('Uploading and deleting them needs the files.manage permission').waitFor();
    expect(await page.getByText('Choose files').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Delete / }).count()).toBe(0);
    await page
      .getByRole('table', { name: 'Files' })
      .getByRole('row')
      .filter({ hasText: 'handbook.txt' })
      .getByText('member@viewer-files.test')
      .waitFor();
    await checkScreen(page, 'files-viewer', async (p) => {
      await p.getByRole('button', { name: 'Download handbook.txt' }).waitFor();
    });
  });
});
