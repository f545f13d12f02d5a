import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../audit/index.js';
import { createApiKey } from '../auth/api-keys.js';
import { PERMISSIONS } from '../auth/permissions.js';
import { archiveTables } from '../data-rights/archive-tables.js';
import { buildExport, exportArchiveKey, requestTenantExport } from '../data-rights/index.js';
import type { Database } from '../db/database.js';
import { DomainError } from '../errors/domain-error.js';
import { fileStorageKey } from '../files/object-store.js';
import { type TenantRunner, uploadFile } from '../files/upload.js';
import { createInvitation } from '../invitations/invitation.service.js';
import { setSetting } from '../settings/settings.service.js';
import { openTicket, replyToTicket } from '../support/support.service.js';
import { provisionTenant } from '../tenants/tenant.service.js';
import {
  createTenantWithMembers,
  type TenantFixture,
  type TestServiceDeps,
  useServiceDeps,
  useTestDatabase,
} from '../testing/index.js';
import { type PlantedData, populateTenant } from '../testing/tenant-data.js';
import type { IdMap } from './id-map.js';
import { type RestoredTenant, restoreTenant } from './restore.service.js';
import { type ArchiveEntry, manifestOf, pack, resealed, setTableRows, tableRows, unpack } from './testing/archives.js';

// Two deployments: the archive is written by one and restored into the other (and into itself).
const source = useTestDatabase();
const sourceDeps = useServiceDeps(() => source.db);
const target = useTestDatabase();
const targetDeps = useServiceDeps(() => target.db);

const OPERATOR = { userId: '0193a000-0000-7000-8000-000000000001', ipAddress: '203.0.113.9' };
const LOGO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGNk+M/AwMDAxMDAwMDAAAANHQEDK+mmyAAAAABJRU5ErkJggg==',
  'base64',
);

const runnerFor =
  (deps: TestServiceDeps, tenantId: number, userId: string): TenantRunner =>
  (service) =>
    deps.run(tenantId, service, { actor: { userId } });

/**
 * An organization with something in every corner: the export tests' planted data (files, sessions,
 * keys, invitations, plain and secret settings, tickets, analytics, mail records, a trail that
 * names people), plus a branding logo, a setting and a ticket thread written through services.
 */
async function populatedTenant(): Promise<{ tenant: TenantFixture; planted: PlantedData; files: Map<string, Buffer> }> {
  const tenant = await createTenantWithMembers(source.db, 'Restore Source', 'professional');
  const { admin, member } = tenant.users;
  const planted = await populateTenant(source.db, sourceDeps, tenant, 'restore');
  await source.db.inGlobal((em) =>
    em.execute(`update tenants set domain = 'restore-source.example' where id = ?`, [tenant.tenantId]),
  );
  const files = new Map(planted.files.map((file) => [file.id, file.bytes]));
  const logo = await uploadFile(
    runnerFor(sourceDeps, tenant.tenantId, admin),
    sourceDeps.services.files,
    { name: 'logo.png', sizeBytes: LOGO.length, purpose: 'logo', contentType: 'image/png' },
    Readable.from([LOGO]),
  );
  files.set(logo.id, LOGO);
  await sourceDeps.run(
    tenant.tenantId,
    async (ctx) => {
      await setSetting(ctx, { category: 'general', key: 'weekStart', value: 'monday' });
      await createInvitation(ctx, {
        email: 'pending@elsewhere.test',
        role: 'member',
        actorPermissions: new Set(PERMISSIONS),
      });
      await createApiKey(ctx, {
        name: 'ci',
        scopes: ['tenant.read'],
        expiresAt: null,
        creatorPermissions: new Set(PERMISSIONS),
      });
    },
    { actor: { userId: admin } },
  );
  const viewer = { userId: member, support: false };
  const ticket = await sourceDeps.run(
    tenant.tenantId,
    (ctx) => openTicket(ctx, viewer, { subject: 'Help', body: 'It broke', priority: 'high' }),
    { actor: { userId: member } },
  );
  await sourceDeps.run(
    tenant.tenantId,
    (ctx) => replyToTicket(ctx, viewer, { ticketId: ticket.id, body: 'Still broken' }),
    {
      actor: { userId: member },
    },
  );
  return { tenant, planted, files };
}

async function exportOf(tenantId: number, userId: string): Promise<Buffer> {
  const requested = await sourceDeps.run(tenantId, (ctx) => requestTenantExport(ctx), { actor: { userId } });
  await buildExport(
    { db: source.db, services: sourceDeps.services },
    { tenantId, exportId: requested.id },
    { finalAttempt: true },
  );
  const chunks: Buffer[] = [];
  for await (const chunk of await sourceDeps.services.files.get(exportArchiveKey(tenantId, requested.id))) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const newRestoreId = () =>
  `0193b${randomBytes(2).toString('hex').slice(0, 3)}-0000-7000-8000-${randomBytes(6).toString('hex')}`;

function restore(
  deps: TestServiceDeps,
  db: Database,
  archive: Buffer,
  progress: number[] = [],
  restoreId = newRestoreId(),
): Promise<RestoredTenant> {
  return restoreTenant(
    { db, services: deps.services },
    {
      restoreId,
      open: async () => Readable.from([archive]),
      sizeBytes: archive.length,
      actor: OPERATOR,
      onProgress: async (value) => {
        progress.push(value);
      },
    },
  );
}

/**
 * Columns that differ by design (docs/data-lifecycle.md, "What a restore changes"): the restored
 * trail is chained afresh, keys and invitations lack the secrets the archive leaves out, files live
 * under the new tenant's keys.
 */
const DIFFERS: Record<string, string[]> = {
  tenants: ['id', 'updated_at'],
  tenant_audit_logs: ['seq', 'prev_hash', 'hash'],
  api_keys: ['revoked_at'],
  tenant_invitations: ['expires_at'],
  tenant_files: ['storage_key'],
};
/** Tables whose rows are not copied; the restore writes its own (chain head, outbox) or none. */
const NOT_COPIED = [
  'users',
  'auth_sessions',
  'tenant_outbox',
  'tenant_audit_chains',
  'tenant_data_exports',
  'tenant_offboardings',
];

/** A row as the archive holds it, with every id replaced by its new one and the differing columns dropped. */
function comparable(table: string, row: Record<string, unknown>, ids: IdMap | null, tenantId: number): string {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (DIFFERS[table]?.includes(column)) continue;
    if (column === 'tenant_id') out[column] = tenantId;
    else out[column] = ids ? ids.json(value) : value;
  }
  return JSON.stringify(out, Object.keys(out).sort());
}

/** Every table of the restored tenant, dumped exactly the way an export reads it. */
async function dumpTenant(db: Database, tenantId: number): Promise<Map<string, Record<string, unknown>[]>> {
  return db.inTenant(tenantId, async (em) => {
    const dump = new Map<string, Record<string, unknown>[]>();
    for (const table of await archiveTables(em, 'tenant')) {
      dump.set(
        table.table,
        (await em.execute<{ row: Record<string, unknown> }[]>(table.query)).map((r) => r.row),
      );
    }
    return dump;
  });
}

async function objectBytes(deps: TestServiceDeps, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await deps.services.files.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** What a failed restore must not leave: tenants, accounts, objects — counted on the deployment. */
async function footprint(db: Database, deps: TestServiceDeps) {
  const [counts] = await db.inGlobal((em) =>
    em.execute<{ tenants: number; users: number }[]>(
      'select (select count(*)::int from tenants) as tenants, (select count(*)::int from users) as users',
    ),
  );
  return {
    tenants: counts?.tenants ?? 0,
    users: counts?.users ?? 0,
    objects: (await deps.services.files.list('tenants/')).length,
  };
}

describe('restoring an export archive', () => {
  let original: TenantFixture;
  let planted: PlantedData;
  let files: Map<string, Buffer>;
  let archive: Buffer;
  let entries: ArchiveEntry[];
  beforeAll(async () => {
    ({ tenant: original, planted, files } = await populatedTenant());
    archive = await exportOf(original.tenantId, original.users.admin);
    entries = await unpack(archive);
  }, 60_000);

  it('restores into another deployment: every table equal to the archive’s under new ids, files byte-equal', async () => {
    const progress: number[] = [];
    const restored = await restore(targetDeps, target.db, archive, progress);
    const { ids } = restored;
    expect(restored.tenantId).toBeGreaterThan(0);
    expect(restored.tenantUuid).not.toBe(manifestOf(entries).tenant.uuid);
    expect(restored.slug).toBe(manifestOf(entries).tenant.slug);
    expect(restored).toMatchObject({ createdAccounts: 4, linkedAccounts: 0, files: 3, droppedDomain: null });
    // No credential of the source came along.
    const everything = JSON.stringify([...(await dumpTenant(target.db, restored.tenantId)).values()]);
    for (const secret of planted.secrets) expect(everything).not.toContain(secret);
    expect(progress.at(-1)).toBe(1);
    expect(progress.some((value) => value > 0 && value < 1)).toBe(true);

    // Every id is new, and no two old ids share one.
    const mapped = [...ids.entries()];
    expect(mapped.every(([from, to]) => from !== to)).toBe(true);
    expect(new Set(mapped.map(([, to]) => to)).size).toBe(mapped.length);

    const dump = await dumpTenant(target.db, restored.tenantId);
    const compared: string[] = [];
    for (const [table, rows] of dump) {
      if (NOT_COPIED.includes(table)) continue;
      let expected = tableRows(entries, table);
      let actual = rows;
      if (table === 'tenant_files') expected = expected.filter((row) => row.status === 'stored');
      if (table === 'tenant_settings') expected = expected.filter((row) => row.is_encrypted !== true);
      if (table === 'tenant_audit_logs') {
        // The restore's own entries come after the restored trail.
        actual = rows.filter((row) => row.action !== 'tenant.restored' && row.action !== 'invitation.resent');
      }
      if (table === 'api_keys') {
        expect(
          actual.every((row) => row.revoked_at !== null),
          'restored keys are revoked',
        ).toBe(true);
      }
      if (table === 'tenant_invitations') {
        expected = expected.map(({ expires_at: _expires, ...row }) => row);
      }
      expect(actual.map((row) => comparable(table, row, null, restored.tenantId)).sort(), `table ${table}`).toEqual(
        expected.map((row) => comparable(table, row, ids, restored.tenantId)).sort(),
      );
      if (table !== 'tenants') expect(actual.length, `rows of ${table}`).toBe(expected.length);
      if (expected.length > 0) compared.push(table);
    }
    expect(compared).toEqual(
      expect.arrayContaining([
        'tenants',
        'tenant_users',
        'tenant_files',
        'tenant_settings',
        'api_keys',
        'tenant_invitations',
        'tenant_support_tickets',
        'tenant_support_ticket_messages',
        'analytics_events',
        'tenant_email_deliveries',
        'tenant_audit_logs',
        'tenant_usage_records',
      ]),
    );
    expect(dump.get('tenant_audit_logs')?.length).toBeGreaterThan(5);

    // Accounts are new here, with the archive's people and no credentials.
    const accounts = dump.get('users') ?? [];
    expect(accounts.map((row) => [row.email, row.full_name]).sort()).toEqual(
      tableRows(entries, 'users')
        .map((row) => [row.email, row.full_name])
        .sort(),
    );

    // The bytes of every file, under the new tenant's keys.
    for (const [oldId, bytes] of files) {
      const key = fileStorageKey(restored.tenantId, ids.get(oldId));
      expect((await objectBytes(targetDeps, key)).equals(bytes), `file ${oldId}`).toBe(true);
    }
    const tenantRow = dump.get('tenants')?.[0] as { branding: Record<string, string> };
    expect(tenantRow.branding.logo_url).toContain(`/api/branding/${restored.tenantUuid}/logo?v=`);

    // The trail verifies from its restored start, and says where it came from.
    const verified = await targetDeps.run(restored.tenantId, (ctx) => verifyAuditChain(ctx));
    expect(verified).toMatchObject({ valid: true, entriesChecked: dump.get('tenant_audit_logs')?.length });
    const [restoredEntry] = (dump.get('tenant_audit_logs') ?? []).filter((row) => row.action === 'tenant.restored');
    const sourceChain = tableRows(entries, 'tenant_audit_chains')[0] as Record<string, unknown>;
    expect(restoredEntry).toMatchObject({
      user_id: OPERATOR.userId,
      details: {
        exportId: manifestOf(entries).exportId,
        sourceChain: { lastSeq: sourceChain.last_seq, lastHash: sourceChain.last_hash },
      },
    });
  });

  it('mails every restored member a set-password link, and re-sends open invitations, through the outbox', async () => {
    const restored = await restore(targetDeps, target.db, archive);
    const queued = await targetDeps.services.jobs.queue('emails').getJobs(['waiting', 'delayed', 'prioritized']);
    const forRestore = queued.filter((job) => job.data.tenantId === restored.tenantId).map((job) => job.data);
    expect(
      forRestore
        .filter((mail) => mail.template === 'welcome')
        .map((mail) => mail.to)
        .sort(),
    ).toEqual(
      tableRows(entries, 'users')
        .map((row) => row.email)
        .sort(),
    );
    // Accounts linked on the second restore already had no password: they get set-password links again.
    expect(restored.linkedAccounts).toBe(4);
    expect(
      forRestore.every(
        (mail) => mail.template !== 'welcome' || /\/set-password\?token=dgp_/.test(mail.data.setPasswordUrl),
      ),
    ).toBe(true);
    expect(
      forRestore
        .filter((mail) => mail.template === 'invitation')
        .map((mail) => mail.to)
        .sort(),
    ).toEqual([planted.invitedEmail, planted.people.member.email, 'pending@elsewhere.test'].sort());
  });

  it('restores beside the original on the same deployment: members linked by email, a free slug', async () => {
    const before = await footprint(source.db, sourceDeps);
    const restored = await restore(sourceDeps, source.db, archive);
    expect(restored).toMatchObject({ linkedAccounts: 4, createdAccounts: 0, droppedDomain: 'restore-source.example' });
    // Members here already have passwords: their mail is a sign-in link, not a new password.
    const queued = await sourceDeps.services.jobs.queue('emails').getJobs(['waiting', 'delayed', 'prioritized']);
    const welcomes = queued.filter((job) => job.data.tenantId === restored.tenantId && job.data.template === 'welcome');
    expect(
      welcomes.map((job) => job.data.data.setPasswordUrl as string).every((url) => url.includes('/sign-in?tenant=')),
    ).toBe(true);
    expect(welcomes).toHaveLength(4);
    expect(restored.slug).not.toBe(original.slug);
    expect(restored.slug.startsWith(`${original.slug}-`)).toBe(true);
    const after = await footprint(source.db, sourceDeps);
    expect(after).toEqual({ tenants: before.tenants + 1, users: before.users, objects: before.objects + 3 });
    // The same people, in both organizations.
    const members = await source.db.inTenant(restored.tenantId, (em) =>
      em.execute<{ user_id: string; role: string }[]>('select user_id, role from tenant_users order by role'),
    );
    expect(members.map((row) => row.user_id).sort()).toEqual(Object.values(original.users).sort());
  });

  describe('refuses a damaged archive and leaves nothing behind', () => {
    const refusals: Array<[string, () => Promise<Buffer>, RegExp]> = [
      [
        'a flipped byte in a file',
        async () => {
          const edited = await unpack(archive);
          const file = edited.find((entry) => entry.name.startsWith('files/')) as ArchiveEntry;
          file.content[100] = (file.content[100] ?? 0) ^ 0xff;
          return pack(edited);
        },
        /files\/[0-9a-f-]+ does not match its checksum/,
      ],
      [
        'a flipped byte in a table',
        async () => {
          const edited = await unpack(archive);
          const table = edited.find((entry) => entry.name === 'tables/tenant_users.ndjson') as ArchiveEntry;
          table.content[10] = (table.content[10] ?? 0) ^ 0x01;
          return pack(edited);
        },
        /tables\/tenant_users\.ndjson does not match its checksum/,
      ],
      [
        'a dropped entry',
        async () => pack((await unpack(archive)).filter((entry) => entry.name !== 'tables/tenant_settings.ndjson')),
        /tenant_settings\.ndjson/,
      ],
      ['a truncated archive', async () => archive.subarray(0, Math.floor(archive.length / 2)), /damaged|not a gzip/],
      [
        'another format version',
        () =>
          resealed(archive, (_entries, manifest) => {
            (manifest as { formatVersion: number }).formatVersion = 2;
          }),
        /format version 2/,
      ],
      [
        'a table this deployment does not have',
        () =>
          resealed(archive, (edited, manifest) => {
            edited.splice(1, 0, { name: 'tables/tenant_secrets.ndjson', content: Buffer.from('') });
            manifest.entries.unshift({
              path: 'tables/tenant_secrets.ndjson',
              kind: 'table',
              table: 'tenant_secrets',
              rows: 0,
              bytes: 0,
              sha256: createHash('sha256').digest('hex'),
              primaryKey: [],
              columns: [],
              omittedColumns: [],
            });
          }),
        /table tenant_secrets, which this deployment does not have/,
      ],
      [
        'a file without its row',
        () =>
          resealed(archive, (edited, manifest) => {
            setTableRows(
              edited,
              'tenant_files',
              tableRows(edited, 'tenant_files').filter((row) => row.name !== 'member-notes.bin'),
            );
            const listed = manifest.entries.find((entry) => entry.path === 'tables/tenant_files.ndjson');
            if (listed?.kind === 'table') listed.rows -= 1;
          }),
        /does not match a stored file/,
      ],
    ];
    it.each(refusals)('%s', async (_what, damage, message) => {
      const damaged = await damage();
      const before = await footprint(target.db, targetDeps);
      const refusal = await restore(targetDeps, target.db, damaged).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(DomainError);
      expect((refusal as DomainError).code).toBe('BAD_REQUEST');
      expect((refusal as DomainError).message).toMatch(message);
      expect(await footprint(target.db, targetDeps)).toEqual(before);
    });
  });

  it('takes back everything when a row fails after files were written: no tenant, accounts or files', async () => {
    // Consistent checksums, but an audit entry the schema refuses: it is written last, after the
    // files. Its members are new people here, so their accounts are created — and must go again.
    const poisoned = await resealed(archive, (edited) => {
      const rows = tableRows(edited, 'tenant_audit_logs');
      (rows[0] as Record<string, unknown>).action = 'x'.repeat(101);
      setTableRows(edited, 'tenant_audit_logs', rows);
      setTableRows(
        edited,
        'users',
        tableRows(edited, 'users').map((row) => ({ ...row, email: `new-${String(row.email)}` })),
      );
    });
    const before = await footprint(target.db, targetDeps);
    await expect(restore(targetDeps, target.db, poisoned)).rejects.toThrow();
    expect(await footprint(target.db, targetDeps)).toEqual(before);
  });

  it('first removes what a crashed attempt of the same restore left: its suspended tenant and its files', async () => {
    const restoreId = newRestoreId();
    const crashed = await target.db.inGlobal(async (em) => {
      const tenant = await provisionTenant(em, {
        name: 'Crashed Restore',
        adminEmail: 'a@crashed.test',
        adminName: 'A',
      });
      Object.assign(tenant, {
        isActive: false,
        suspendedAt: new Date(),
        suspensionReason: `Being restored (restore ${restoreId})`,
      });
      return tenant.id;
    });
    const leftover = fileStorageKey(crashed, '0193c000-0000-7000-8000-000000000001');
    await targetDeps.services.files.put(leftover, Readable.from([Buffer.from('half')]), 4);
    const restored = await restore(targetDeps, target.db, archive, [], restoreId);
    expect(restored.tenantId).not.toBe(crashed);
    const [row] = await target.db.inGlobal((em) =>
      em.execute<{ n: number }[]>('select count(*)::int as n from tenants where id = ?', [crashed]),
    );
    expect(row?.n).toBe(0);
    expect(await targetDeps.services.files.list(`tenants/${crashed}/`)).toEqual([]);
  });

  it('keeps each organization to itself with the ORM filter off: row-level security holds both ways', async () => {
    const restored = await restore(sourceDeps, source.db, archive);
    const tables = await source.db.inTenant(original.tenantId, async (em) =>
      (await archiveTables(em, 'tenant'))
        .map((table) => table.table)
        .filter((table) => table !== 'users' && table !== 'tenants'),
    );
    for (const [from, other] of [
      [original.tenantId, restored.tenantId],
      [restored.tenantId, original.tenantId],
    ] as const) {
      const seen = await source.db.inTenant(from, async (em) => {
        const counts: Record<string, number> = {};
        for (const table of tables) {
          const [row] = await em.execute<{ n: number }[]>(
            `select count(*)::int as n from "${table}" where tenant_id = ?`,
            [other],
          );
          if (row?.n) counts[table] = row.n;
        }
        const [tenant] = await em.execute<{ n: number }[]>('select count(*)::int as n from tenants where id = ?', [
          other,
        ]);
        if (tenant?.n) counts.tenants = tenant.n;
        return counts;
      });
      expect(seen, `tenant ${from} sees rows of ${other}`).toEqual({});
    }
  });
});
