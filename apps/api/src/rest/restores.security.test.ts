import { randomBytes } from 'node:crypto';
import { buildExport, exportArchiveKey } from '@digame/core/data-rights';
import { restoreJobId, runRestoreJob } from '@digame/core/restore';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, clientAs, expectRefused, tenantUuid } from '../testing/admin.js';
import { getBytes, uploadBytes } from '../testing/files.js';
import { useTestApi } from '../testing/test-api.js';

const api = useTestApi();
let alpha: TenantFixture;
let ops: TenantFixture;
let archive: Buffer;
let operatorToken: string;
let exportId = '';

async function postArchive(token: string | null, bytes: Buffer) {
  const response = await fetch(`${api.url}/api/restores`, {
    method: 'POST',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/gzip' },
    body: new Uint8Array(bytes),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const staged = () => api.deps.services.files.list('restores/');
const restoreJob = (restoreId: string) => api.deps.jobs.queue('lifecycle').getJob(restoreJobId(restoreId));

beforeAll(async () => {
  alpha = await createTenantWithMembers(api.database.db, 'Alpha Restore');
  ops = await createTenantWithMembers(api.database.db, 'Ops Restore', 'enterprise');
  operatorToken = await api.sessionToken({
    tenantId: ops.tenantId,
    userId: ops.users.admin,
    role: 'admin',
    platformOperator: true,
  });
  const memberToken = await api.sessionToken({ tenantId: alpha.tenantId, userId: alpha.users.member, role: 'member' });
  expect((await uploadBytes(api, memberToken, randomBytes(5_000), { name: 'plan.bin' })).status).toBe(201);
  await (await clientAs(api, alpha, 'admin')).settings.set.mutate({
    category: 'general',
    key: 'weekStart',
    value: 'monday',
  });
  const admin = await clientAs(api, alpha, 'admin');
  const { id } = await admin.data.requestExport.mutate();
  exportId = id;
  await buildExport(
    { db: api.deps.db, services: api.deps.services },
    { tenantId: alpha.tenantId, exportId: id },
    {
      finalAttempt: true,
    },
  );
  const chunks: Buffer[] = [];
  for await (const chunk of await api.deps.services.files.get(exportArchiveKey(alpha.tenantId, id))) {
    chunks.push(chunk as Buffer);
  }
  archive = Buffer.concat(chunks);
});

describe('who may restore', () => {
  it('refuses anyone but a platform operator, before a byte is kept', async () => {
    expect((await postArchive(null, archive)).status).toBe(401);
    for (const role of ['admin', 'member', 'viewer'] as const) {
      const token = await api.sessionToken({ tenantId: alpha.tenantId, userId: alpha.users[role], role });
      const refused = await postArchive(token, archive);
      expect(refused.status, role).toBe(403);
      expect(refused.body.error).toMatchObject({ details: { reason: 'not_an_operator' } });
    }
    expect(await staged()).toEqual([]);
    await expectRefused(
      (await clientAs(api, alpha, 'admin')).restores.get.query({ restoreId: '0193aaaa-0000-7000-8000-000000000000' }),
      'FORBIDDEN',
    );
  });

  it('refuses a damaged or truncated archive at upload, naming what is wrong, and keeps nothing', async () => {
    const flipped = Buffer.from(archive);
    flipped[Math.floor(flipped.length / 2)] = (flipped[Math.floor(flipped.length / 2)] ?? 0) ^ 0xff;
    for (const damaged of [flipped, archive.subarray(0, archive.length - 200), randomBytes(2_000)]) {
      const refused = await postArchive(operatorToken, damaged);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'BAD_REQUEST' });
      expect(String((refused.body.error as { message: string }).message)).toMatch(
        /^The archive is damaged or not an export: /,
      );
    }
    expect(await staged()).toEqual([]);
    expect(await api.deps.jobs.queue('lifecycle').getJobs(['waiting', 'delayed'])).not.toContainEqual(
      expect.objectContaining({ name: 'data.restore' }),
    );
  });
});

describe('a restore through the api', () => {
  it('stages the archive, queues the job, and the restored organization belongs to itself only', async () => {
    const accepted = await postArchive(operatorToken, archive);
    expect(accepted.status).toBe(202);
    const restoreId = accepted.body.restoreId as string;
    const operator = api.client(operatorToken);
    expect(await operator.restores.get.query({ restoreId })).toMatchObject({ state: 'queued', progress: 0 });
    const job = await restoreJob(restoreId);
    expect(job?.name).toBe('data.restore');
    expect(await staged()).toEqual([`restores/${restoreId}/archive`]);

    // What the worker does with the job (no worker runs in api tests).
    const restored = await runRestoreJob({ db: api.deps.db, services: api.deps.services }, job?.data, {
      finalAttempt: true,
      onProgress: async () => undefined,
    });
    expect(await staged()).toEqual([]);
    expect(restored.name).toBe('Alpha Restore');

    // Another tenant's admin — the restored organization's source among them — reaches nothing of it.
    const alphaAdmin = await clientAs(api, alpha, 'admin');
    await expectRefused(alphaAdmin.members.list.query({ tenantId: restored.tenantUuid }), 'NOT_FOUND');
    const sourceFiles = await alphaAdmin.files.list.query();
    const restoredMembers = await api.database.db.inTenant(restored.tenantId, (em) =>
      em.execute<{ user_id: string }[]>('select user_id from tenant_users'),
    );
    expect(restoredMembers.map((row) => row.user_id).sort()).toEqual(Object.values(alpha.users).sort());
    const restoredSettings = await api.database.db.inTenant(restored.tenantId, (em) =>
      em.execute<{ value: unknown }[]>(`select value from tenant_settings where key = 'weekStart'`),
    );
    expect(restoredSettings).toEqual([{ value: 'monday' }]);
    // The same person as a member of the restored organization sees it, and only it.
    const inRestored = await api.sessionToken({
      tenantId: restored.tenantId,
      userId: alpha.users.admin,
      role: 'admin',
    });
    const restoredAdmin = api.client(inRestored);
    expect((await restoredAdmin.tenants.get.query()).id).toBe(restored.tenantUuid);
    expect((await restoredAdmin.files.list.query()).items).toHaveLength(sourceFiles.items.length);
    await expectRefused(
      restoredAdmin.members.list.query({ tenantId: (await alphaAdmin.tenants.get.query()).id }),
      'NOT_FOUND',
    );
    // Its files are its own copies: the source's file ids name nothing in it, and its own download.
    const [sourceFile] = sourceFiles.items;
    const [restoredFile] = (await restoredAdmin.files.list.query()).items;
    expect(restoredFile?.name).toBe('plan.bin');
    expect((await getBytes(api, inRestored, `/api/files/${sourceFile?.id}/content`)).status).toBe(404);
    const copy = await getBytes(api, inRestored, `/api/files/${restoredFile?.id}/content`);
    const memberToken = await api.sessionToken({
      tenantId: alpha.tenantId,
      userId: alpha.users.member,
      role: 'member',
    });
    const original = await getBytes(api, memberToken, `/api/files/${sourceFile?.id}/content`);
    expect(copy.status).toBe(200);
    expect(copy.bytes.equals(original.bytes)).toBe(true);
    expect((await getBytes(api, memberToken, `/api/files/${restoredFile?.id}/content`)).status).toBe(404);
  });
});

describe('a restore from an export stored here', () => {
  it('is for operators only, names only ready tenant exports, and enters the source tenant on the audited path', async () => {
    const alphaUuid = await tenantUuid(api.database.db, alpha.tenantId);
    await expectRefused(
      (await clientAs(api, alpha, 'admin')).restores.fromExport.mutate({ tenantId: alphaUuid, exportId }),
      'FORBIDDEN',
    );
    const operator = api.client(operatorToken);
    const personal = await (await clientAs(api, alpha, 'member')).data.requestPersonalExport.mutate();
    for (const id of [personal.id, '0193aaaa-0000-7000-8000-000000000002']) {
      await expectRefused(operator.restores.fromExport.mutate({ tenantId: alphaUuid, exportId: id }), 'NOT_FOUND');
    }
    expect(await staged()).toEqual([]);

    const { restoreId } = await operator.restores.fromExport.mutate({ tenantId: alphaUuid, exportId });
    expect(await operator.restores.get.query({ restoreId })).toMatchObject({ state: 'queued' });
    expect((await restoreJob(restoreId))?.data).toMatchObject({ restoreId, operatorUserId: ops.users.admin });
    expect(await staged()).toEqual([`restores/${restoreId}/archive`]);
    const entered = await auditEntries(api.database.db, alpha.tenantId, 'platform.tenant_accessed');
    expect(entered.map((entry) => entry.details)).toContainEqual({ reason: 'restore from a stored export' });
  });
});
