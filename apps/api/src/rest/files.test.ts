import { randomBytes } from 'node:crypto';
import { tenantObjectPrefix } from '@digame/core/files';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, expectRefused, tenantUuid } from '../testing/admin.js';
import { eventually, getBytes, partialUpload, uploadBytes } from '../testing/files.js';
import { useTestApi } from '../testing/test-api.js';

const api = useTestApi();
const GIB = 1024 ** 3;

async function adminToken(tenant: TenantFixture, role: 'admin' | 'member' | 'viewer' = 'admin') {
  return api.sessionToken({ tenantId: tenant.tenantId, userId: tenant.users[role], role });
}

/** Arrange that the tenant's database rows measure `bytes` (as the storage measurement records them). */
async function setDatabaseBytes(tenantId: number, bytes: number) {
  await api.database.db.inTenant(tenantId, (em) =>
    em.execute(
      `insert into tenant_storage_usage (tenant_id, database_bytes, database_measured_at) values (?, ?, now())
       on conflict (tenant_id) do update set database_bytes = excluded.database_bytes`,
      [tenantId, bytes],
    ),
  );
}

const objectsOf = (tenantId: number) => api.deps.services.files.list(tenantObjectPrefix(tenantId));

describe('uploading and downloading files', () => {
  let acme: TenantFixture;
  beforeAll(async () => {
    acme = await createTenantWithMembers(api.database.db, 'Acme Files', 'professional');
  });

  it('streams a file in and out unchanged, with its metadata, checksum and audit entry', async () => {
    const token = await adminToken(acme, 'member');
    const bytes = randomBytes(300_000);
    const uploaded = await uploadBytes(api, token, bytes, {
      name: 'Q3 report – final.pdf',
      contentType: 'application/pdf',
    });
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({
      name: 'Q3 report – final.pdf',
      contentType: 'application/pdf',
      sizeBytes: 300_000,
      purpose: 'upload',
      uploadedByUserId: acme.users.member,
    });
    const id = uploaded.body.id as string;
    const download = await getBytes(api, token, `/api/files/${id}/content`);
    expect(download.status).toBe(200);
    expect(download.bytes.equals(bytes)).toBe(true);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toContain(
      "filename*=UTF-8''Q3%20report%20%E2%80%93%20final.pdf",
    );
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');

    const client = api.client(token);
    const meta = await client.files.get.query({ id });
    expect(meta.sha256).toBe((await import('node:crypto')).createHash('sha256').update(bytes).digest('hex'));
    expect((await client.files.list.query()).items.map((file) => file.id)).toContain(id);
    const [entry] = await auditEntries(api.database.db, acme.tenantId, 'file.uploaded');
    expect(entry?.resourceId).toBe(id);
  });

  it('deletes a file: gone from listings, downloads and usage at once, its bytes purged by a queued job', async () => {
    const token = await adminToken(acme);
    const uploaded = await uploadBytes(api, token, randomBytes(1234));
    const id = uploaded.body.id as string;
    const client = api.client(token);
    const before = await client.files.quota.query();
    await client.files.delete.mutate({ id });
    await expectRefused(client.files.get.query({ id }), 'NOT_FOUND');
    expect((await getBytes(api, token, `/api/files/${id}/content`)).status).toBe(404);
    expect((await client.files.quota.query()).fileBytes).toBe(before.fileBytes - 1234);
    const purges = await api.deps.jobs.queue('lifecycle').getJobs(['waiting', 'delayed', 'prioritized']);
    expect(purges.map((job) => job.data)).toContainEqual({
      tenantId: acme.tenantId,
      key: `${tenantObjectPrefix(acme.tenantId)}files/${id}`,
    });
    expect((await auditEntries(api.database.db, acme.tenantId, 'file.deleted')).map((e) => e.resourceId)).toContain(id);
  });

  it('refuses an upload without Content-Length, with a bad name, or from a role without files.manage', async () => {
    const token = await adminToken(acme);
    const chunked = await fetch(`${api.url}/api/files?name=x.bin`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new Uint8Array([1, 2, 3]));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(411);
    const unnamed = await uploadBytes(api, token, Buffer.from('x'), { name: '' });
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.error.fields).toHaveProperty('name');
    const viewer = await uploadBytes(api, await adminToken(acme, 'viewer'), Buffer.from('x'));
    expect(viewer.status).toBe(403);
    expect(viewer.body.error.message).toBe('Missing permission: files.manage');
    const anonymous = await uploadBytes(api, null, Buffer.from('x'));
    expect(anonymous.status).toBe(401);
  });

  it('releases the reservation of an upload whose client goes away mid-stream, storing nothing', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Dropped Upload', 'basic');
    const token = await adminToken(tenant);
    const client = api.client(token);
    const upload = partialUpload(api, token, 50_000, 20_000);
    await eventually(
      async () => ((await client.files.quota.query()).reservedBytes === 50_000 ? true : undefined),
      'the reservation',
    );
    await upload.drop();
    const quota = await eventually(async () => {
      const current = await client.files.quota.query();
      return current.reservedBytes === 0 ? current : undefined;
    }, 'the reservation to be released');
    expect(quota.fileBytes).toBe(0);
    expect((await client.files.list.query()).items).toEqual([]);
    expect(await objectsOf(tenant.tenantId)).toEqual([]);
  });
});

describe('the storage quota', () => {
  it('admits an upload that fits to the exact byte and refuses one byte more, storing nothing of it', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Exact Quota', 'basic');
    const limit = 5 * GIB;
    await setDatabaseBytes(tenant.tenantId, limit - 1000);
    const token = await adminToken(tenant);

    const tooBig = await uploadBytes(api, token, randomBytes(1001));
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      details: { reason: 'storage_quota_exceeded', requestedBytes: 1001, availableBytes: 1000, limitBytes: limit },
    });
    expect(await objectsOf(tenant.tenantId)).toEqual([]);

    const exact = await uploadBytes(api, token, randomBytes(1000));
    expect(exact.status).toBe(201);
    const quota = await api.client(token).files.quota.query();
    expect(quota).toMatchObject({ usedBytes: limit, availableBytes: 0, reservedBytes: 0, fileBytes: 1000 });

    const oneMore = await uploadBytes(api, token, randomBytes(1));
    expect(oneMore.status).toBe(413);
    expect(oneMore.body.error.details).toMatchObject({ requestedBytes: 1, availableBytes: 0 });
    expect(await objectsOf(tenant.tenantId)).toHaveLength(1);
    // An empty file takes no bytes, so it still fits.
    expect((await uploadBytes(api, token, Buffer.alloc(0))).status).toBe(201);
  });

  it('lets racing uploads take the last bytes one after the other: exactly as many succeed as fit', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Racing Quota', 'basic');
    const limit = 5 * GIB;
    await setDatabaseBytes(tenant.tenantId, limit - 1000);
    const token = await adminToken(tenant);
    const results = await Promise.all(Array.from({ length: 6 }, () => uploadBytes(api, token, randomBytes(400))));
    const statuses = results.map((result) => result.status).sort();
    expect(statuses).toEqual([201, 201, 413, 413, 413, 413]);
    const quota = await api.client(token).files.quota.query();
    expect(quota).toMatchObject({ fileBytes: 800, reservedBytes: 0, usedBytes: limit - 200 });
    expect(await objectsOf(tenant.tenantId)).toHaveLength(2);
  });

  it('records real bytes in this hour’s storage gauge and raises the 80 % alert from them', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Alerting Quota', 'basic');
    const limit = 5 * GIB;
    await setDatabaseBytes(tenant.tenantId, limit * 0.8 - 500);
    const token = await adminToken(tenant);
    expect((await uploadBytes(api, token, randomBytes(499))).status).toBe(201);
    const alerts = () =>
      api.database.db.inTenant(tenant.tenantId, (em) =>
        em.execute<{ threshold_percent: number; used: string }[]>(
          `select threshold_percent, used from tenant_limit_alerts where "limit" = 'storage' order by 1`,
        ),
      );
    expect(await alerts()).toEqual([]);
    expect((await uploadBytes(api, token, randomBytes(1))).status).toBe(201);
    expect(await alerts()).toEqual([{ threshold_percent: 80, used: String(limit * 0.8) }]);
    const [gauge] = await api.database.db.inTenant(tenant.tenantId, (em) =>
      em.execute<{ quantity: string }[]>(
        `select quantity from tenant_usage_records where metric = 'storage_bytes' order by period_start desc limit 1`,
      ),
    );
    expect(Number(gauge?.quantity)).toBe(limit * 0.8);
    const usage = await api.client(token).usage.get.query();
    expect(usage.storage.percent).toBe(80);
  });
});

describe('branding logos', () => {
  const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(200)]);

  it('stores an uploaded logo as the tenant’s branding, serves it publicly and replaces the previous one', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Logo Co', 'professional');
    const token = await adminToken(tenant);
    const first = await uploadBytes(api, token, png, { name: 'logo.png', contentType: 'image/png', purpose: 'logo' });
    expect(first.status).toBe(201);
    const uuid = await tenantUuid(api.database.db, tenant.tenantId);
    const branding = (await api.client(token).tenants.get.query()).branding;
    expect(branding.logo_url).toBe(`http://localhost:5173/api/branding/${uuid}/logo?v=${first.body.id}`);

    const served = await getBytes(api, null, `/api/branding/${uuid}/logo`);
    expect(served.status).toBe(200);
    expect(served.bytes.equals(png)).toBe(true);
    expect(served.headers.get('content-type')).toBe('image/png');

    const second = Buffer.concat([png, Buffer.from('v2')]);
    const replaced = await uploadBytes(api, token, second, {
      name: 'logo2.png',
      contentType: 'image/png',
      purpose: 'logo',
    });
    expect(replaced.status).toBe(201);
    expect((await getBytes(api, null, `/api/branding/${uuid}/logo`)).bytes.equals(second)).toBe(true);
    const logos = await api.client(token).files.list.query({ purpose: 'logo' });
    expect(logos.items.map((file) => file.id)).toEqual([replaced.body.id]);

    await api.client(token).files.delete.mutate({ id: replaced.body.id });
    expect((await getBytes(api, null, `/api/branding/${uuid}/logo`)).status).toBe(404);
    expect((await api.client(token).tenants.get.query()).branding.logo_url).toBeUndefined();
  });

  it('refuses a logo that is not a raster image, and one for a tier without custom branding', async () => {
    const pro = await createTenantWithMembers(api.database.db, 'Svg Co', 'professional');
    const svg = await uploadBytes(api, await adminToken(pro), Buffer.from('<svg onload="alert(1)"/>'), {
      contentType: 'image/svg+xml',
      purpose: 'logo',
    });
    expect(svg.status).toBe(400);
    expect(svg.body.error.fields).toHaveProperty('content_type');
    const basic = await createTenantWithMembers(api.database.db, 'Plain Co', 'basic');
    const refused = await uploadBytes(api, await adminToken(basic), png, { contentType: 'image/png', purpose: 'logo' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.details).toMatchObject({ feature: 'custom_branding', requiredTier: 'professional' });
    const member = await uploadBytes(api, await adminToken(pro, 'member'), png, {
      contentType: 'image/png',
      purpose: 'logo',
    });
    expect(member.status).toBe(403);
    expect(member.body.error.message).toBe('Missing permission: tenant.update');
  });
});

describe('file requests and the rate limit', () => {
  it('counts file requests against the hourly API limit like every other call', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Counted Files', 'basic');
    const token = await adminToken(tenant);
    const first = await uploadBytes(api, token, Buffer.from('a'));
    const second = await getBytes(api, token, `/api/files/${first.body.id}/content`);
    const remaining = [first.headers, second.headers].map((headers) => Number(headers.get('x-ratelimit-remaining')));
    expect(remaining[1]).toBe((remaining[0] as number) - 1);
  });
});
