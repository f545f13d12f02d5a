import { randomBytes } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { audit } from '../audit/audit.js';
import { PERMISSIONS } from '../auth/permissions.js';
import type { FileEntry, TableEntry } from '../data-rights/archive-format.js';
import { readExportArchive } from '../data-rights/archive-reader.js';
import type { Actor, Database } from '../db/database.js';
import { uuidv7 } from '../db/ids.js';
import { logoUrl } from '../files/file.service.js';
import { fileStorageKey, tenantObjectPrefix } from '../files/object-store.js';
import { resendInvitation } from '../invitations/invitation.service.js';
import { type ServiceDeps, type TenantContext, tenantContext } from '../services/context.js';
import { randomSlugSuffix } from '../tenants/tenant-creation.js';
import { issuePasswordToken, setPasswordUrl } from '../users/password-tokens.js';
import { User } from '../users/user.entity.js';
import type { IdMap } from './id-map.js';
import { type ArchiveRow, NOT_COPIED, ndjsonRows, planRestore, type RestorePlan } from './restore-plan.js';
import { quoted, type TargetTable, targetSchema } from './target-schema.js';

export interface RestoreDeps {
  db: Database;
  services: ServiceDeps;
}

export interface RestoreRequest {
  /** Names the restore: its job, its audit entry and the marker that finds a crashed attempt's leftovers. */
  restoreId: string;
  /** Opens the archive from its start; called once per pass. */
  open: () => Promise<Readable>;
  /** The archive's size in bytes, to tell progress by. */
  sizeBytes: number;
  /** The platform operator who restores. */
  actor: Actor;
  onProgress?: (progress: number) => Promise<void>;
}

export interface RestoredTenant {
  tenantId: number;
  tenantUuid: string;
  slug: string;
  name: string;
  /** The archive's domain, when another organization here already has it (the restored one then has none). */
  droppedDomain: string | null;
  /** Accounts that already existed here (by email) and were linked, and those created. */
  linkedAccounts: number;
  createdAccounts: number;
  rows: Record<string, number>;
  files: number;
  /** Old id → new id, for every id of the archive. */
  ids: IdMap;
}

/** Share of the progress bar the verifying pass fills; the writing pass fills the rest. */
const VERIFIED = 0.4;
/** Rows per INSERT: large enough to be quick, small enough for one statement's parameters. */
const BATCH_ROWS = 500;

/** The suspension reason that marks a tenant while it is being restored (and after a crash). */
const restoringMarker = (restoreId: string) => `Being restored (restore ${restoreId})`;

/** A credential column whose value the archive left out: a random one, which no secret matches. */
const unusableHash = () => randomBytes(32).toString('hex');

/** Counts the archive's bytes as they stream, for the progress bar. */
function counted(source: Readable, onBytes: (bytes: number) => void): Readable {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      onBytes(bytes);
      callback(null, chunk);
    },
  });
  source.once('error', (error) => counter.destroy(error));
  return source.pipe(counter);
}

/**
 * Restores an export archive into a new tenant of this deployment, all or nothing:
 *
 *  1. a first pass reads the whole archive and verifies it (format version, every entry's size and
 *     SHA-256, tables and columns against this schema, files against their rows) and gives every
 *     id a new one — before anything is written;
 *  2. the tenant is created suspended (so nobody uses it half-restored), and the archive's accounts
 *     are linked by email to existing ones or created without credentials;
 *  3. a second pass writes every row in one transaction of the new tenant (as the app role, so
 *     row-level security admits the new tenant's rows only) and the files into the object store,
 *     then the audit entries again in their order, the restore's own entry, mail to the members;
 *  4. the tenant takes the archive's status.
 *
 * Any failure removes the files written, the tenant and the accounts created for it.
 */
export async function restoreTenant(deps: RestoreDeps, request: RestoreRequest): Promise<RestoredTenant> {
  const report = request.onProgress ?? (async () => undefined);
  let lastTold = 0;
  const progress = (share: number) => {
    if (share - lastTold < 0.01 && share < 1) return;
    lastTold = share;
    // Progress is a courtesy: a report that cannot be stored (Redis away) must not fail the restore.
    report(Math.round(share * 1000) / 1000).catch(() => undefined);
  };
  const schema = await deps.db.inGlobal((em) => targetSchema(em));
  const plan = await planRestore(
    counted(await request.open(), (bytes) => progress((VERIFIED * bytes) / Math.max(1, request.sizeBytes))),
    schema,
  );
  await removeLeftovers(deps, request.restoreId);
  const created = await createTenantAndAccounts(deps, plan, request.restoreId);
  const written: string[] = [];
  let rows: Record<string, number>;
  try {
    rows = await deps.db.inTenant(created.tenantId, async (em) => {
      const ctx = tenantContext(em, created.tenantId, request.actor, deps.services);
      const source = counted(await request.open(), (bytes) =>
        progress(VERIFIED + ((1 - VERIFIED) * bytes) / Math.max(1, request.sizeBytes)),
      );
      return writeTenant(ctx, plan, schema, source, written, request.restoreId);
    });
  } catch (error) {
    await undoRestore(deps, created.tenantId, created.createdAccountIds, written);
    throw error;
  }
  progress(1);
  const { createdAccountIds: _created, ...tenant } = created;
  return { ...tenant, rows, files: written.length, ids: plan.ids };
}

/** What the global step made: the tenant as the result names it, and the accounts to remove on failure. */
type CreatedTenant = Omit<RestoredTenant, 'rows' | 'files' | 'ids'> & { createdAccountIds: string[] };

/** A slug of the archive's, or with a random suffix when another organization here has it. */
async function freeSlug(em: EntityManager, slug: string): Promise<string> {
  for (let candidate = slug; ; ) {
    const [taken] = await em.execute<{ n: number }[]>('select count(*)::int as n from tenants where slug = ?', [
      candidate,
    ]);
    if (!taken?.n) return candidate;
    candidate = `${slug.slice(0, 93)}-${randomSlugSuffix()}`;
  }
}

/**
 * The tenant row (suspended, marked as being restored) and the accounts, in one global unit of
 * work: an archived member whose email has an account here is linked to it, anyone else gets a
 * new account with no password (they set one from the mail the restore sends).
 */
async function createTenantAndAccounts(
  deps: RestoreDeps,
  plan: RestorePlan,
  restoreId: string,
): Promise<CreatedTenant> {
  return deps.db.inGlobal(async (em) => {
    const { ids } = plan;
    const source = plan.tenant;
    const tenantUuid = ids.get(String(source.tenant_uuid));
    const slug = await freeSlug(em, String(source.slug));
    const domain = typeof source.domain === 'string' ? source.domain : null;
    const [domainTaken] = domain
      ? await em.execute<{ n: number }[]>('select count(*)::int as n from tenants where domain = ?', [domain])
      : [];
    const keptDomain = domainTaken?.n ? null : domain;

    let createdAccounts = 0;
    const createdAccountIds: string[] = [];
    for (const user of plan.users) {
      const email = String(user.email).toLowerCase();
      const [existing] = await em.execute<{ id: string }[]>('select id from users where lower(email) = ?', [email]);
      if (existing) {
        ids.linkAccount(String(user.id), existing.id);
        continue;
      }
      const id = uuidv7();
      await em.execute('insert into users (id, email, full_name, is_active) values (?, ?, ?, ?)', [
        id,
        email,
        String(user.full_name ?? email),
        user.is_active !== false,
      ]);
      ids.linkAccount(String(user.id), id);
      createdAccountIds.push(id);
      createdAccounts += 1;
    }

    const row: ArchiveRow = {};
    for (const [column, value] of Object.entries(source)) {
      if (column === 'id') continue;
      row[column] = column === 'tenant_uuid' ? tenantUuid : typeof value === 'object' ? ids.json(value) : value;
    }
    const branding = (row.branding ?? {}) as Record<string, unknown>;
    if (typeof branding.logo_file_id === 'string') {
      // The logo's address is this deployment's, under the tenant's new public id.
      branding.logo_url = logoUrl(deps.services.appUrl, tenantUuid, branding.logo_file_id);
    }
    Object.assign(row, {
      slug,
      domain: keptDomain,
      branding,
      is_active: false,
      suspended_at: new Date().toISOString(),
      suspension_reason: restoringMarker(restoreId),
    });
    const columns = Object.keys(row).map(quoted).join(', ');
    const [inserted] = await em.execute<{ id: number }[]>(
      `insert into tenants (${columns}) select ${columns} from jsonb_populate_record(null::tenants, ?::jsonb) returning id`,
      [JSON.stringify(row)],
    );
    return {
      tenantId: Number(inserted?.id),
      tenantUuid,
      slug,
      name: String(source.name),
      droppedDomain: keptDomain === domain ? null : domain,
      linkedAccounts: plan.users.length - createdAccounts,
      createdAccounts,
      createdAccountIds,
    };
  });
}

/** The archive's row as this tenant's: its tenant, remapped ids, and the secrets it lacks made unusable. */
function restoredRow(ctx: TenantContext, table: TargetTable, row: ArchiveRow, ids: IdMap): ArchiveRow | null {
  const out: ArchiveRow = {};
  for (const [name, value] of Object.entries(row)) {
    const column = table.columns.get(name);
    if (!column) continue;
    out[name] = name === 'tenant_id' ? ctx.tenantId : ids.column(column, value);
  }
  switch (table.name) {
    case 'tenant_files':
      // An upload that never completed reserved bytes that never came.
      if (row.status !== 'stored') return null;
      out.storage_key = fileStorageKey(ctx.tenantId, String(out.id));
      break;
    case 'api_keys':
      // Keys work only with their secret, which the archive does not hold: kept as revoked history.
      out.secret_hash = unusableHash();
      out.revoked_at ??= ctx.now.toISOString();
      break;
    case 'tenant_invitations':
      out.invitation_token_hash = unusableHash();
      break;
    case 'tenant_settings':
      // A secret setting's value is not in the archive; it is set again after the restore.
      if (row.is_encrypted === true) return null;
      break;
  }
  return out;
}

async function insertRows(em: EntityManager, table: TargetTable, rows: ArchiveRow[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))].map(quoted).join(', ');
  const name = quoted(table.name);
  await em.execute(
    `insert into ${name} (${columns}) select ${columns} from jsonb_populate_recordset(null::${name}, ?::jsonb)`,
    [JSON.stringify(rows)],
  );
}

/** Pass two, inside the new tenant's transaction; returns the rows written per table. */
async function writeTenant(
  ctx: TenantContext,
  plan: RestorePlan,
  schema: Map<string, TargetTable>,
  source: Readable,
  written: string[],
  restoreId: string,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const auditRows: ArchiveRow[] = [];
  const pendingInvitations: string[] = [];

  const copyTable = async (entry: TableEntry, content: Readable) => {
    const table = schema.get(entry.table) as TargetTable;
    let batch: ArchiveRow[] = [];
    for await (const row of ndjsonRows(entry, content)) {
      if (NOT_COPIED.has(entry.table)) continue;
      const restored = restoredRow(ctx, table, row, plan.ids);
      if (!restored) continue;
      if (entry.table === 'tenant_audit_logs') {
        auditRows.push(restored);
        continue;
      }
      if (entry.table === 'tenant_invitations' && isPending(row, ctx.now)) pendingInvitations.push(String(restored.id));
      batch.push(restored);
      counts[entry.table] = (counts[entry.table] ?? 0) + 1;
      if (batch.length >= BATCH_ROWS) {
        await insertRows(ctx.em, table, batch);
        batch = [];
      }
    }
    await insertRows(ctx.em, table, batch);
  };
  const copyFile = async (entry: FileEntry, content: Readable) => {
    const key = fileStorageKey(ctx.tenantId, plan.ids.get(entry.fileId));
    // Listed before the bytes go, so a failure part-way still removes what was stored.
    written.push(key);
    await ctx.deps.files.put(key, content, entry.bytes);
  };
  await readExportArchive(source, (entry, content) =>
    entry.kind === 'file' ? copyFile(entry, content) : copyTable(entry, content),
  );

  // The trail is appended again in its order, so the database chains it for this tenant afresh.
  const auditTable = schema.get('tenant_audit_logs') as TargetTable;
  auditRows.sort((a, b) => Number(a.seq) - Number(b.seq));
  for (let start = 0; start < auditRows.length; start += BATCH_ROWS) {
    await insertRows(ctx.em, auditTable, auditRows.slice(start, start + BATCH_ROWS));
  }
  counts.tenant_audit_logs = auditRows.length;

  await finishTenant(ctx, plan, restoreId, counts, written.length);
  for (const invitationId of pendingInvitations) {
    await resendInvitation(ctx, { invitationId, actorPermissions: new Set(PERMISSIONS) });
  }
  await greetMembers(ctx, plan, restoreId);
  return counts;
}

function isPending(row: ArchiveRow, now: Date): boolean {
  return row.accepted_at == null && row.revoked_at == null && new Date(String(row.expires_at)) > now;
}

/** The tenant takes the archive's status, and the restore is recorded with where it came from. */
async function finishTenant(
  ctx: TenantContext,
  plan: RestorePlan,
  restoreId: string,
  counts: Record<string, number>,
  files: number,
): Promise<void> {
  const source = plan.tenant;
  await ctx.em.execute(
    'update tenants set is_active = ?, suspended_at = ?, suspension_reason = ?, updated_at = now() where id = ?',
    [source.is_active !== false, source.suspended_at ?? null, source.suspension_reason ?? null, ctx.tenantId],
  );
  audit(ctx, {
    action: 'tenant.restored',
    resourceType: 'tenant',
    resourceId: plan.ids.get(String(source.tenant_uuid)),
    details: {
      restoreId,
      exportId: plan.exportId,
      exportedAt: plan.exportedAt,
      schemaVersion: plan.schemaVersion,
      source: plan.source,
      // The source's chain head: its restored entries are chained afresh here, from seq 1.
      sourceChain: plan.chain
        ? {
            lastSeq: plan.chain.last_seq,
            lastHash: plan.chain.last_hash,
            cutSeq: plan.chain.cut_seq,
            cutHash: plan.chain.cut_hash,
            prunedEntries: plan.chain.pruned_entries,
          }
        : null,
      rows: counts,
      files,
    },
  });
  await ctx.em.flush();
  ctx.invalidateTenantFacts();
  ctx.publish('tenant.changed', { change: 'restored' });
}

/**
 * The archive holds no passwords or second factors: every active member gets a mail through the
 * outbox — a set-password link for an account without a password, a sign-in link otherwise.
 */
async function greetMembers(ctx: TenantContext, plan: RestorePlan, restoreId: string): Promise<void> {
  const tenantName = String(plan.tenant.name);
  const members = await ctx.em.execute<{ user_id: string }[]>(
    'select user_id from tenant_users where tenant_id = ? and is_active order by user_id',
    [ctx.tenantId],
  );
  const [tenant] = await ctx.em.execute<{ slug: string }[]>('select slug from tenants where id = ?', [ctx.tenantId]);
  for (const { user_id: userId } of members) {
    const user = await ctx.em.findOne(User, { id: userId });
    if (!user?.isActive) continue;
    const link = user.passwordHash
      ? new URL(`/sign-in?tenant=${encodeURIComponent(tenant?.slug ?? '')}`, ctx.deps.appUrl).toString()
      : setPasswordUrl(ctx.deps.appUrl, issuePasswordToken(user, 'welcome', ctx.now));
    ctx.enqueue('email.send', {
      tenantId: ctx.tenantId,
      to: user.email,
      template: 'welcome',
      dedupeKey: `restore-welcome:${restoreId}:${user.id}`,
      data: { tenantName, recipientName: user.fullName, setPasswordUrl: link },
    });
  }
  await ctx.em.flush();
}

/** A crashed attempt of the same restore left a suspended, marked tenant (and maybe files): gone first. */
async function removeLeftovers(deps: RestoreDeps, restoreId: string): Promise<void> {
  const leftovers = await deps.db.inGlobal((em) =>
    em.execute<{ id: number }[]>('select id from tenants where suspension_reason = ? and not is_active', [
      restoringMarker(restoreId),
    ]),
  );
  for (const { id } of leftovers) await undoRestore(deps, Number(id), [], []);
}

/** Takes a failed restore back out: its files, the tenant row, and the accounts made for it. */
async function undoRestore(
  deps: RestoreDeps,
  tenantId: number,
  accountIds: string[],
  written: string[],
): Promise<void> {
  const store = deps.services.files;
  const stored = await store.list(tenantObjectPrefix(tenantId)).catch(() => []);
  for (const key of new Set([...written, ...stored])) await store.delete(key);
  await deps.db.inGlobal(async (em) => {
    await em.execute('delete from tenants where id = ?', [tenantId]);
    // Made moments ago for this tenant alone, without a password: no one else knows them yet.
    if (accountIds.length > 0) {
      await em.execute(`delete from users where id in (${accountIds.map(() => '?').join(', ')})`, accountIds);
    }
  });
}
