import { createHash } from 'node:crypto';
import { buildExport, signDownloadToken } from '@digame/core/data-rights';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientAs, expectRefused } from '../testing/admin.js';
import { getBytes } from '../testing/files.js';
import { useTestApi } from '../testing/test-api.js';

const api = useTestApi();
let alpha: TenantFixture;
let beta: TenantFixture;

beforeAll(async () => {
  alpha = await createTenantWithMembers(api.database.db, 'Alpha Rights');
  beta = await createTenantWithMembers(api.database.db, 'Beta Rights');
});

/** What the worker does with the queued job (no worker runs in api tests). */
async function build(tenantId: number, exportId: string) {
  const result = await buildExport(
    { db: api.deps.db, services: api.deps.services },
    { tenantId, exportId },
    {
      finalAttempt: true,
    },
  );
  expect(result.status).toBe('ready');
}

const pathOf = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

describe('tenant exports through the api', () => {
  let exportId: string;
  let link: { url: string; expiresAt: string };

  beforeAll(async () => {
    const admin = await clientAs(api, alpha, 'admin');
    exportId = (await admin.data.requestExport.mutate()).id;
    await build(alpha.tenantId, exportId);
    link = await admin.data.downloadLink.mutate({ exportId });
  });

  it('lists the export as ready and hands out a link that expires in 15 minutes and downloads the archive', async () => {
    const admin = await clientAs(api, alpha, 'admin');
    const [listed] = await admin.data.exports.query();
    expect(listed).toMatchObject({ id: exportId, status: 'ready', progress: 1, scope: 'tenant' });
    const lifetime = new Date(link.expiresAt).getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(14 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(15 * 60_000);
    const download = await getBytes(api, null, pathOf(link.url));
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/gzip');
    expect(download.headers.get('content-disposition')).toMatch(/attachment; filename="digame-export-alpha-rights-/);
    expect(createHash('sha256').update(download.bytes).digest('hex')).toBe(listed?.sha256);
    expect(download.bytes.length).toBe(listed?.sizeBytes);
  });

  it('refuses a link after its expiry, a forged one, and one for another export', async () => {
    const expired = signDownloadToken(api.config.JWT_SECRET, {
      tenantId: alpha.tenantId,
      exportId,
      userId: alpha.users.admin,
      expiresAtMs: Date.now() - 1000,
    });
    const late = await getBytes(api, null, `/api/data/exports/${exportId}/archive?token=${expired}`);
    expect(late.status).toBe(403);
    expect(JSON.parse(late.bytes.toString()).error).toMatchObject({ details: { reason: 'download_link_expired' } });
    const token = new URL(link.url).searchParams.get('token') ?? '';
    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await getBytes(api, null, `/api/data/exports/${exportId}/archive?token=${forged}`)).status).toBe(403);
    expect((await getBytes(api, null, `/api/data/exports/${exportId}/archive`)).status).toBe(403);
    const other = '0193aaaa-0000-7000-8000-000000000000';
    expect((await getBytes(api, null, `/api/data/exports/${other}/archive?token=${token}`)).status).toBe(404);
  });

  it('refuses the link to another tenant’s credentials, and gives another tenant’s admin nothing of this tenant', async () => {
    const betaToken = await api.sessionToken({ tenantId: beta.tenantId, userId: beta.users.admin, role: 'admin' });
    const crossed = await getBytes(api, betaToken, pathOf(link.url));
    expect(crossed.status).toBe(404);
    expect(crossed.bytes.length).toBeLessThan(500);
    const betaAdmin = api.client(betaToken);
    expect(await betaAdmin.data.exports.query()).toEqual([]);
    await expectRefused(betaAdmin.data.downloadLink.mutate({ exportId }), 'NOT_FOUND');
    // Beta's own request is beta's: it never shows up for alpha.
    const own = await betaAdmin.data.requestExport.mutate();
    const alphaAdmin = await clientAs(api, alpha, 'admin');
    expect((await alphaAdmin.data.exports.query()).map((row) => row.id)).not.toContain(own.id);
  });

  it('needs data.export to request, list or download a tenant export, and names it when refused', async () => {
    const member = await clientAs(api, alpha, 'member');
    const refused = await expectRefused(member.data.requestExport.mutate(), 'FORBIDDEN', /data\.export/);
    expect(refused.data.details).toMatchObject({ permission: 'data.export' });
    await expectRefused(member.data.exports.query(), 'FORBIDDEN');
    await expectRefused(member.data.downloadLink.mutate({ exportId }), 'FORBIDDEN', /data\.export/);
    // A link handed to the member by the admin does not work for them either: the link names its member.
    const memberToken = signDownloadToken(api.config.JWT_SECRET, {
      tenantId: alpha.tenantId,
      exportId,
      userId: alpha.users.member,
      expiresAtMs: Date.now() + 60_000,
    });
    expect((await getBytes(api, null, `/api/data/exports/${exportId}/archive?token=${memberToken}`)).status).toBe(403);
  });

  it('answers bad input with BAD_REQUEST and a message per field', async () => {
    const admin = await clientAs(api, alpha, 'admin');
    const refused = await expectRefused(admin.data.downloadLink.mutate({ exportId: 'last week' }), 'BAD_REQUEST');
    expect(refused.data.fields).toEqual({ exportId: 'must be an export id' });
    const limits = await expectRefused(admin.data.exports.query({ limit: 0 }), 'BAD_REQUEST');
    expect(Object.keys(limits.data.fields ?? {})).toEqual(['limit']);
  });
});

describe('personal exports through the api', () => {
  it('are their member’s alone: listed, told and downloadable for them only', async () => {
    const member = await clientAs(api, alpha, 'member');
    const mine = await member.data.requestPersonalExport.mutate();
    await build(alpha.tenantId, mine.id);
    expect((await member.data.myExports.query()).map((row) => [row.id, row.status])).toEqual([[mine.id, 'ready']]);
    const download = await getBytes(
      api,
      null,
      pathOf((await member.data.downloadLink.mutate({ exportId: mine.id })).url),
    );
    expect(download.status).toBe(200);

    const manager = await clientAs(api, alpha, 'manager');
    expect(await manager.data.myExports.query()).toEqual([]);
    await expectRefused(manager.data.downloadLink.mutate({ exportId: mine.id }), 'NOT_FOUND');
    const admin = await clientAs(api, alpha, 'admin');
    await expectRefused(admin.data.downloadLink.mutate({ exportId: mine.id }), 'NOT_FOUND');
    expect((await admin.data.exports.query()).map((row) => row.id)).not.toContain(mine.id);

    const personalEvents = ({ events }: { events: { event: { type: string; data: Record<string, unknown> } }[] }) =>
      events.filter(({ event }) => event.type === 'data.personal_export.progress' && event.data.exportId === mine.id);
    expect(personalEvents(await member.events.recent.query({ limit: 100 })).length).toBeGreaterThan(0);
    expect(personalEvents(await manager.events.recent.query({ limit: 100 }))).toEqual([]);
    expect(personalEvents(await admin.events.recent.query({ limit: 100 }))).toEqual([]);
  });
});

describe('erasure through the api', () => {
  const memberIdOf = async (tenant: TenantFixture, role: 'manager' | 'viewer' | 'member') => {
    const admin = await clientAs(api, tenant, 'admin');
    const { items } = await admin.members.list.query({ role });
    const found = items[0];
    if (!found) throw new Error(`no ${role} in ${tenant.slug}`);
    return found;
  };

  it('gives another tenant’s admin nothing to erase here, and needs users.manage', async () => {
    const viewer = await memberIdOf(alpha, 'viewer');
    const betaAdmin = await clientAs(api, beta, 'admin');
    await expectRefused(
      betaAdmin.data.eraseMember.mutate({ memberId: viewer.id, confirmEmail: viewer.email }),
      'NOT_FOUND',
    );
    const member = await clientAs(api, alpha, 'member');
    await expectRefused(
      member.data.eraseMember.mutate({ memberId: viewer.id, confirmEmail: viewer.email }),
      'FORBIDDEN',
      /users\.manage/,
    );
    expect((await memberIdOf(alpha, 'viewer')).id).toBe(viewer.id);
  });

  it('answers bad input with BAD_REQUEST and a message per field', async () => {
    const admin = await clientAs(api, alpha, 'admin');
    const refused = await expectRefused(
      admin.data.eraseMember.mutate({ memberId: 'x', confirmEmail: ' ' }),
      'BAD_REQUEST',
    );
    expect(refused.data.fields).toEqual({
      memberId: 'must be a member id',
      confirmEmail: 'type the email address of the person to erase',
    });
    const viewer = await memberIdOf(alpha, 'viewer');
    const mismatch = await expectRefused(
      admin.data.eraseMember.mutate({ memberId: viewer.id, confirmEmail: 'not-them@example.test' }),
      'BAD_REQUEST',
    );
    expect(mismatch.data.fields).toEqual({ confirmEmail: 'must be the email address of the person to erase' });
  });

  it('refuses the last admin erasing themselves, and signs an erased member out at once', async () => {
    const admin = await clientAs(api, alpha, 'admin');
    const last = await expectRefused(
      admin.data.eraseMe.mutate({ confirmEmail: 'admin@alpha-rights.test' }),
      'PRECONDITION_FAILED',
      /last admin/,
    );
    expect(last.data.details).toMatchObject({ reason: 'last_admin' });
    const manager = await memberIdOf(alpha, 'manager');
    const managerClient = await clientAs(api, alpha, 'manager');
    const erased = await admin.data.eraseMember.mutate({ memberId: manager.id, confirmEmail: manager.email });
    expect(erased.pseudonym).toBe(manager.userId);
    await expectRefused(managerClient.data.myExports.query(), 'UNAUTHORIZED');
    const { items } = await admin.members.list.query({});
    expect(items.map((item) => item.userId)).not.toContain(manager.userId);
  });
});
