import { randomBytes } from 'node:crypto';
import { TenantFile, TenantStorageUsage, tenantObjectPrefix } from '@digame/core/files';
import { createTenantWithMembers, rawClient, type TenantFixture } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectRefused, tenantUuid } from '../testing/admin.js';
import { getBytes, uploadBytes } from '../testing/files.js';
import { useTestApi } from '../testing/test-api.js';

const api = useTestApi();
let acme: TenantFixture;
let globex: TenantFixture;
let acmeToken: string;
let globexToken: string;
/** A stored file of Acme that Globex keeps trying to reach. */
let secret: { id: string; bytes: Buffer; key: string };
let acmeLogoId: string;

const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(64)]);

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme', 'professional');
  globex = await createTenantWithMembers(api.database.db, 'Globex', 'professional');
  acmeToken = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.admin, role: 'admin' });
  globexToken = await api.sessionToken({ tenantId: globex.tenantId, userId: globex.users.admin, role: 'admin' });
  const bytes = randomBytes(4096);
  const uploaded = await uploadBytes(api, acmeToken, bytes, { name: 'payroll.csv', contentType: 'text/csv' });
  expect(uploaded.status).toBe(201);
  secret = { id: uploaded.body.id, bytes, key: `${tenantObjectPrefix(acme.tenantId)}files/${uploaded.body.id}` };
  const logo = await uploadBytes(api, acmeToken, png, { contentType: 'image/png', purpose: 'logo' });
  acmeLogoId = logo.body.id;
  await uploadBytes(api, globexToken, randomBytes(10), { name: 'globex.txt' });
});

describe('another tenant’s files through the API', () => {
  it('cannot be read, described, listed or deleted by id: it answers like a file that does not exist', async () => {
    const globexClient = api.client(globexToken);
    const download = await getBytes(api, globexToken, `/api/files/${secret.id}/content`);
    expect(download.status).toBe(404);
    expect(download.bytes.includes(secret.bytes.subarray(0, 64))).toBe(false);
    const unknown = await getBytes(api, globexToken, `/api/files/${crypto.randomUUID()}/content`);
    expect(JSON.parse(download.bytes.toString())).toEqual(JSON.parse(unknown.bytes.toString()));
    await expectRefused(globexClient.files.get.query({ id: secret.id }), 'NOT_FOUND');
    await expectRefused(globexClient.files.delete.mutate({ id: secret.id }), 'NOT_FOUND');
    const listed = await globexClient.files.list.query({ limit: 100 });
    expect(listed.items.map((file) => file.id)).not.toContain(secret.id);
    expect(listed.items.map((file) => file.name)).toEqual(['globex.txt']);
    // Still there for its owner, whole.
    const own = await getBytes(api, acmeToken, `/api/files/${secret.id}/content`);
    expect(own.bytes.equals(secret.bytes)).toBe(true);
  });

  it('cannot be reached with an API key of the other tenant either', async () => {
    const created = await api.client(globexToken).apiKeys.create.mutate({ name: 'files', scopes: ['files.read'] });
    const download = await getBytes(api, created.key, `/api/files/${secret.id}/content`);
    expect(download.status).toBe(404);
    expect((await getBytes(api, created.key, `/api/files/${crypto.randomUUID()}/content`)).status).toBe(404);
  });

  it.each([
    () => `/api/files/${encodeURIComponent(secret.key)}/content`,
    () => `/api/files/..%2F..%2F${encodeURIComponent(secret.key)}/content`,
    () => `/api/files/${secret.id}%2F..%2F${secret.id}/content`,
    () => `/api/files/${secret.id.toUpperCase()}/content`,
    () => `/api/files/%2e%2e/content`,
    () => `/api/files/${secret.id}/content/../../${secret.id}/content`,
  ])('path trick %# names no file of another tenant', async (path) => {
    const response = await getBytes(api, globexToken, path());
    expect(response.status).toBe(404);
    expect(response.bytes.includes(secret.bytes.subarray(0, 64))).toBe(false);
  });

  it('never lets an upload name choose where bytes go', async () => {
    for (const name of ['../../tenants/1/files/x', 'a/b', 'a\\b', `tenants/${acme.tenantId}/files/${secret.id}`]) {
      const response = await uploadBytes(api, globexToken, Buffer.from('overwrite'), { name });
      expect(response.status).toBe(400);
      expect(response.body.error.fields).toHaveProperty('name');
    }
    // Even a plain name that equals Acme's file id lands under Globex's own prefix.
    const planted = await uploadBytes(api, globexToken, Buffer.from('x'), { name: secret.id });
    expect(planted.status).toBe(201);
    expect(await api.deps.services.files.list(tenantObjectPrefix(globex.tenantId))).toContain(
      `${tenantObjectPrefix(globex.tenantId)}files/${planted.body.id}`,
    );
    expect((await getBytes(api, acmeToken, `/api/files/${secret.id}/content`)).bytes.equals(secret.bytes)).toBe(true);
  });

  it('serves publicly only a tenant’s chosen logo, never its other files', async () => {
    const uuid = await tenantUuid(api.database.db, acme.tenantId);
    const logo = await getBytes(api, null, `/api/branding/${uuid}/logo?v=${secret.id}`);
    expect(logo.status).toBe(200);
    expect(logo.bytes.equals(png)).toBe(true);
    const globexUuid = await tenantUuid(api.database.db, globex.tenantId);
    expect((await getBytes(api, null, `/api/branding/${globexUuid}/logo`)).status).toBe(404);
    expect((await getBytes(api, null, `/api/branding/${acme.tenantId}/logo`)).status).toBe(404);
    expect((await getBytes(api, null, `/api/branding/${secret.id}/logo`)).status).toBe(404);
    // The logo is a file of Acme's like any other: Globex cannot delete it.
    await expectRefused(api.client(globexToken).files.delete.mutate({ id: acmeLogoId }), 'NOT_FOUND');
  });

  it('needs a credential for every byte stream but the logo', async () => {
    expect((await getBytes(api, null, `/api/files/${secret.id}/content`)).status).toBe(401);
    expect((await getBytes(api, 'not-a-token', `/api/files/${secret.id}/content`)).status).toBe(401);
    expect((await uploadBytes(api, null, Buffer.from('x'))).status).toBe(401);
  });
});

describe('the database layer with the ORM filter switched off', () => {
  it('still hides another tenant’s file rows and storage account (row-level security)', async () => {
    const seen = await api.database.db.inTenant(globex.tenantId, async (em) => ({
      files: await em.find(TenantFile, {}, { filters: false }),
      accounts: await em.find(TenantStorageUsage, {}, { filters: false }),
      explicit: await em.count(TenantFile, { tenant: acme.tenantId, id: secret.id }, { filters: false }),
    }));
    expect(seen.files.length).toBeGreaterThan(0);
    expect(seen.files.every((file) => file.tenant.id === globex.tenantId)).toBe(true);
    expect(seen.accounts.every((account) => account.tenant.id === globex.tenantId)).toBe(true);
    expect(seen.explicit).toBe(0);
  });

  it('refuses writing a file row into another tenant, and shows nothing with no tenant set', async () => {
    const client = await rawClient(api.database.appUrl);
    try {
      await client.query('begin');
      await client.query("select set_config('app.current_tenant_id', $1, true)", [String(globex.tenantId)]);
      const moved = await client.query('update tenant_files set size_bytes = 0 where tenant_id = $1', [acme.tenantId]);
      expect(moved.rowCount).toBe(0);
      await expect(
        client.query(
          `insert into tenant_files (tenant_id, id, name, content_type, size_bytes, storage_key)
           values ($1, gen_random_uuid(), 'x', 'a/b', 1, 'tenants/1/files/planted')`,
          [acme.tenantId],
        ),
      ).rejects.toThrow(/row-level security/);
      await client.query('rollback');
      const none = await client.query('select count(*)::int as n from tenant_files');
      expect(none.rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  });
});
