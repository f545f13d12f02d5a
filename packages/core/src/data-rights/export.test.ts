import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../errors/domain-error.js';
import { tenantStreamKey } from '../events/event-bus.js';
import { TenantUser } from '../members/tenant-user.entity.js';
import {
  type PlantedData,
  populateTwoTenants,
  rawClient,
  type TenantFixture,
  useServiceDeps,
  useTestDatabase,
} from '../testing/index.js';
import { readExportArchive } from './archive-reader.js';
import { USER_EXPORT_COLUMNS } from './archive-tables.js';
import { TenantDataExport } from './data-rights.entity.js';
import { expireDueExport, requestPersonalExport, requestTenantExport } from './export.service.js';
import { buildExport } from './export-build.js';

const database = useTestDatabase();
const deps = useServiceDeps(() => database.db);

let alpha: TenantFixture;
let beta: TenantFixture;
let alphaData: PlantedData;
let betaData: PlantedData;

beforeAll(async () => {
  ({ alpha, beta, alphaData, betaData } = await populateTwoTenants(database.db, deps, [
    'Alpha Archive',
    'Beta Archive',
  ]));
});

const buildDeps = () => ({ db: database.db, services: deps.services });

/** The queued build job of an export, as the outbox handed it to BullMQ. */
async function queuedBuild(exportId: string) {
  const jobs = await deps.services.jobs.queue('lifecycle').getJobs(['waiting', 'delayed', 'prioritized']);
  const job = jobs.find((candidate) => candidate.name === 'data.export_build' && candidate.data.exportId === exportId);
  if (!job) throw new Error(`no build job queued for export ${exportId}`);
  return job.data as { tenantId: number; exportId: string };
}

async function exportRow(tenantId: number, exportId: string) {
  return database.db.inTenant(tenantId, (em) => em.findOneOrFail(TenantDataExport, { tenant: tenantId, id: exportId }));
}

/** The archive's bytes from the object store, with every entry's content as read (and checked) by the reader. */
async function readArchive(tenantId: number, exportId: string) {
  const row = await exportRow(tenantId, exportId);
  const stored = await deps.services.files.get(row.storageKey ?? '');
  const chunks: Buffer[] = [];
  for await (const chunk of stored) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  const contents = new Map<string, Buffer>();
  const manifest = await readExportArchive(Readable.from([bytes]), async (entry, content) => {
    const parts: Buffer[] = [];
    for await (const chunk of content) parts.push(chunk as Buffer);
    contents.set(entry.path, Buffer.concat(parts));
  });
  return { row, bytes, manifest, contents, text: gunzipSync(bytes).toString('latin1') };
}

const lines = (content: Buffer | undefined) =>
  (content ?? Buffer.alloc(0))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

async function tenantTablesInCatalog(): Promise<string[]> {
  const owner = await rawClient(database.ownerUrl);
  try {
    const { rows } = await owner.query<{ relname: string }>(
      `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p')
          and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
        order by 1`,
    );
    return rows.map((row) => row.relname);
  } finally {
    await owner.end();
  }
}

describe('a tenant export', () => {
  let archive: Awaited<ReturnType<typeof readArchive>>;
  let progress: { status: string; progress: number }[];

  beforeAll(async () => {
    const requested = await deps.run(alpha.tenantId, requestTenantExport, { actor: { userId: alpha.users.admin } });
    expect(requested).toMatchObject({ status: 'queued', progress: 0, scope: 'tenant' });
    const result = await buildExport(buildDeps(), await queuedBuild(requested.id), { finalAttempt: false });
    expect(result.status).toBe('ready');
    archive = await readArchive(alpha.tenantId, requested.id);
    const events = await deps.redis.xrange(tenantStreamKey(deps.prefix, alpha.tenantId), '-', '+');
    progress = events
      .map(([, fields]) => JSON.parse(fields[1] ?? '{}') as { type: string; data: Record<string, unknown> })
      .filter((event) => event.type === 'data.export.progress' && event.data.exportId === requested.id)
      .map((event) => ({ status: String(event.data.status), progress: Number(event.data.progress) }));
  });

  it('is stored with its size and checksum, and told live from queued through building to ready', async () => {
    expect(archive.row).toMatchObject({ status: 'ready', progress: 1, sizeBytes: archive.bytes.length });
    expect(archive.row.sha256).toBe(createHash('sha256').update(archive.bytes).digest('hex'));
    expect(archive.row.storageKey).toBe(`tenants/${alpha.tenantId}/exports/${archive.row.id}`);
    expect(archive.row.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect(progress[0]).toEqual({ status: 'queued', progress: 0 });
    expect(progress.at(-1)).toEqual({ status: 'ready', progress: 1 });
    expect(progress.some((event) => event.status === 'building' && event.progress > 0 && event.progress < 1)).toBe(
      true,
    );
    const values = progress.map((event) => event.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));
  });

  it('holds every tenant table of the catalog, plus the tenant and its members, with row counts that match', async () => {
    const tables = archive.manifest.entries.filter((entry) => entry.kind === 'table').map((entry) => entry.table);
    expect([...tables].sort()).toEqual([...(await tenantTablesInCatalog()), 'tenants', 'users'].sort());
    expect(archive.manifest).toMatchObject({
      format: 'digame-tenant-export',
      formatVersion: 1,
      scope: 'tenant',
      tenant: { id: alpha.tenantId, uuid: alpha.tenantUuid, slug: alpha.slug },
      subject: null,
    });
    // Tables nothing has written to since the snapshot: the archive has exactly the tenant's rows.
    const counts = await database.db.inTenant(alpha.tenantId, async (em) => {
      const result: Record<string, number> = {};
      for (const table of [
        'tenant_users',
        'auth_sessions',
        'api_keys',
        'tenant_files',
        'tenant_settings',
        'tenant_support_ticket_messages',
        'tenant_invitations',
      ]) {
        const [row] = await em.execute<{ n: number }[]>(`select count(*)::int as n from "${table}"`);
        result[table] = row?.n ?? -1;
      }
      return result;
    });
    for (const entry of archive.manifest.entries) {
      if (entry.kind !== 'table') continue;
      expect({ table: entry.table, lines: lines(archive.contents.get(entry.path)).length }).toEqual({
        table: entry.table,
        lines: entry.rows,
      });
      if (entry.table in counts)
        expect({ table: entry.table, rows: entry.rows }).toEqual({ table: entry.table, rows: counts[entry.table] });
    }
    const users = lines(archive.contents.get('tables/users.ndjson'));
    expect(users.map((user) => user.id).sort()).toEqual(Object.values(alpha.users).sort());
    expect(lines(archive.contents.get('tables/tenants.ndjson'))).toEqual([
      expect.objectContaining({ id: alpha.tenantId, tenant_uuid: alpha.tenantUuid }),
    ]);
  });

  it('carries every stored file byte for byte, with checksums that verify', () => {
    const files = archive.manifest.entries.filter((entry) => entry.kind === 'file');
    expect(files.map((file) => file.fileId).sort()).toEqual(alphaData.files.map((file) => file.id).sort());
    for (const planted of alphaData.files) {
      const content = archive.contents.get(`files/${planted.id}`);
      expect(content?.equals(planted.bytes)).toBe(true);
      const entry = files.find((file) => file.fileId === planted.id);
      expect(entry?.sha256).toBe(createHash('sha256').update(planted.bytes).digest('hex'));
    }
  });

  it('holds nothing of another tenant', () => {
    const foreign = [
      beta.tenantUuid,
      beta.slug,
      ...Object.values(beta.users),
      ...Object.values(betaData.people).map((person) => person.email),
      ...betaData.files.map((file) => file.id),
      betaData.invitedEmail,
      'beta admin file',
    ];
    for (const value of foreign)
      expect({ value, found: archive.text.includes(value) }).toEqual({ value, found: false });
    // Alpha's own values are found the same way, so the search itself works.
    expect(archive.text.includes(alphaData.people.member.email)).toBe(true);
    expect(archive.text.includes('alpha admin file')).toBe(true);
  });

  it('never holds secrets: credentials, token hashes, encrypted values', async () => {
    for (const secret of alphaData.secrets) {
      expect({ secret: secret.slice(0, 12), found: archive.text.includes(secret) }).toEqual({
        secret: secret.slice(0, 12),
        found: false,
      });
    }
    const entries = archive.manifest.entries.flatMap((entry) => (entry.kind === 'table' ? [entry] : []));
    const users = entries.find((entry) => entry.table === 'users');
    expect(users?.columns.every((column) => (USER_EXPORT_COLUMNS as readonly string[]).includes(column))).toBe(true);
    // Every column whose name says it holds a credential is left out, whatever table it is in
    // (flags, times and key ids about one are metadata, not the credential).
    const credential = /password|secret|token|encrypted|recovery|refresh/;
    const aboutOne = /^is_|_at$|_id$/;
    for (const entry of entries) {
      const kept = entry.columns.filter((column) => credential.test(column) && !aboutOne.test(column));
      expect({ table: entry.table, kept }).toEqual({ table: entry.table, kept: [] });
    }
    const settings = lines(archive.contents.get('tables/tenant_settings.ndjson'));
    expect(settings.find((setting) => setting.key === 'webhook_secret')).toMatchObject({
      is_encrypted: true,
      value: null,
    });
  });

  it('is refused by the reader once an entry is altered, or when it names a format version it does not know', async () => {
    const tar = gunzipSync(archive.bytes);
    const at = tar.indexOf(Buffer.from(alphaData.people.member.email));
    const altered = Buffer.from(tar);
    altered[at] = altered[at] === 0x61 ? 0x62 : 0x61;
    await expect(readExportArchive(Readable.from([gzipSync(altered)]))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      details: { reason: 'invalid_archive' },
    });
    const versioned = Buffer.from(tar.toString('latin1').replace('"formatVersion": 1', '"formatVersion": 9'), 'latin1');
    const refusal = await readExportArchive(Readable.from([gzipSync(versioned)])).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({ details: { reason: 'unsupported_archive_version' } });
    await expect(readExportArchive(Readable.from([Buffer.from('not an archive')]))).rejects.toMatchObject({
      details: { reason: 'invalid_archive' },
    });
  });

  it('expires after its retention: the archive reads expired and its bytes are purged by a job', async () => {
    const later = new Date(Date.now() + 8 * 86_400_000);
    expect(await deps.run(alpha.tenantId, (ctx) => expireDueExport(ctx, archive.row.id))).toEqual({ expired: false });
    expect(await deps.run(alpha.tenantId, (ctx) => expireDueExport(ctx, archive.row.id), { now: later })).toEqual({
      expired: true,
    });
    expect((await exportRow(alpha.tenantId, archive.row.id)).status).toBe('expired');
    const jobs = await deps.services.jobs.queue('lifecycle').getJobs(['waiting', 'delayed']);
    expect(jobs.some((job) => job.name === 'files.purge_object' && job.data.key === archive.row.storageKey)).toBe(true);
  });
});

describe('a personal export', () => {
  it('holds the member’s own rows and files only', async () => {
    const requested = await deps.run(alpha.tenantId, requestPersonalExport, { actor: { userId: alpha.users.member } });
    await expect(
      deps.run(alpha.tenantId, requestPersonalExport, { actor: { userId: alpha.users.member } }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await buildExport(buildDeps(), await queuedBuild(requested.id), { finalAttempt: false });
    const { manifest, contents, text } = await readArchive(alpha.tenantId, requested.id);
    expect(manifest).toMatchObject({ scope: 'personal', subject: { userId: alpha.users.member } });
    const tables = Object.fromEntries(
      manifest.entries.flatMap((entry) =>
        entry.kind === 'table' ? [[entry.table, lines(contents.get(entry.path))]] : [],
      ),
    );
    expect(tables.users?.map((user) => user.id)).toEqual([alpha.users.member]);
    expect(tables.tenant_users?.map((membership) => membership.user_id)).toEqual([alpha.users.member]);
    expect(tables.auth_sessions?.map((session) => session.user_id)).toEqual([alpha.users.member]);
    expect(tables.api_keys?.map((key) => key.created_by_user_id)).toEqual([alpha.users.member]);
    expect(tables.tenant_audit_logs?.every((entry) => entry.user_id === alpha.users.member)).toBe(true);
    expect(tables.tenant_invitations?.map((invitation) => invitation.email)).toEqual([alphaData.people.member.email]);
    expect(Object.keys(tables)).not.toContain('tenants');
    const files = manifest.entries.filter((entry) => entry.kind === 'file').map((entry) => entry.fileId);
    expect(files).toEqual(alphaData.files.filter((file) => file.uploader === 'member').map((file) => file.id));
    for (const role of ['admin', 'manager', 'viewer'] as const) {
      expect({ role, found: text.includes(alphaData.people[role].email) }).toEqual({ role, found: false });
    }
  });
});

describe('a build that cannot be done', () => {
  it('marks a personal export failed when its member left before it was built', async () => {
    const requested = await deps.run(alpha.tenantId, requestPersonalExport, { actor: { userId: alpha.users.viewer } });
    await database.db.inTenant(alpha.tenantId, (em) => em.nativeDelete(TenantUser, { user: alpha.users.viewer }));
    await expect(buildExport(buildDeps(), await queuedBuild(requested.id), { finalAttempt: false })).rejects.toThrow(
      'member is gone',
    );
    expect(await exportRow(alpha.tenantId, requested.id)).toMatchObject({
      status: 'failed',
      error: expect.any(String),
    });
  });
});

describe('isolation of the exports table', () => {
  it('hides another tenant’s exports with the ORM filter off (row-level security alone)', async () => {
    await deps.run(beta.tenantId, requestTenantExport, { actor: { userId: beta.users.admin } });
    const seen = await database.db.inTenant(alpha.tenantId, async (em) => {
      const rows = await em.find(TenantDataExport, {}, { filters: false });
      const [raw] = await em.execute<{ n: number }[]>(
        'select count(*)::int as n from tenant_data_exports where tenant_id <> ?',
        [alpha.tenantId],
      );
      return { tenants: [...new Set(rows.map((row) => row.tenant.id))], others: raw?.n };
    });
    expect(seen).toEqual({ tenants: [alpha.tenantId], others: 0 });
    // Beta's export is there for beta, so the zero above is the policy at work.
    const betas = await database.db.inTenant(beta.tenantId, (em) => em.count(TenantDataExport, {}));
    expect(betas).toBe(1);
  });
});
