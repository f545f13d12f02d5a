import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { FileEntry, TableEntry } from '../data-rights/archive-format.js';
import { readExportArchive } from '../data-rights/archive-reader.js';
import { DomainError } from '../errors/domain-error.js';
import { IdMap } from './id-map.js';
import type { TargetTable } from './target-schema.js';

export type ArchiveRow = Record<string, unknown>;

/**
 * Tables of an archive that a restore does not copy row by row: the tenant and its accounts are
 * created first (new ids, accounts linked by email); sessions and pending side effects belong to
 * the deployment that wrote them (their secrets are not in the archive); the audit chains' heads are
 * rebuilt as the entries are appended again; exports name archives of the source's store; a
 * deletion schedule is the source's (moving a tenant often means restoring it, then deleting the
 * source), never the restored organization's.
 */
export const NOT_COPIED = new Set([
  'tenants',
  'users',
  'auth_sessions',
  'tenant_outbox',
  'tenant_audit_chains',
  'tenant_data_exports',
  'tenant_offboardings',
]);

/** What the first, verifying pass learns; nothing is written until it has read the whole archive. */
export interface RestorePlan {
  exportId: string;
  exportedAt: string;
  schemaVersion: string;
  source: { uuid: string; slug: string; name: string };
  tenant: ArchiveRow;
  users: ArchiveRow[];
  /** The source's audit chain head (last and cut sequence numbers and hashes), for the restore's entry. */
  chain: ArchiveRow | null;
  ids: IdMap;
  rows: Record<string, number>;
  files: number;
}

const cannotRestore = (message: string) => `The archive cannot be restored: ${message}`;

/** Damaged or inconsistent: what it says does not add up. */
export const refused = (message: string) =>
  new DomainError('BAD_REQUEST', cannotRestore(message), { details: { reason: 'invalid_archive' } });

/** Intact, but written by a schema this deployment does not have (a newer version). */
const incompatible = (message: string) =>
  new DomainError('BAD_REQUEST', cannotRestore(message), { details: { reason: 'incompatible_schema' } });

/** A personal export holds one member's data: it is no backup of the organization. */
export const personalArchive = () =>
  new DomainError('BAD_REQUEST', cannotRestore('it is a personal export, which holds one member’s data only'), {
    details: { reason: 'personal_archive' },
  });

/** The rows of an NDJSON entry, one parsed line at a time. */
export async function* ndjsonRows(entry: TableEntry, content: Readable): AsyncGenerator<ArchiveRow> {
  const lines = createInterface({ input: content, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch {
      throw refused(`line ${line} of ${entry.path} is not JSON`);
    }
    if (!row || typeof row !== 'object' || Array.isArray(row))
      throw refused(`line ${line} of ${entry.path} is not a row`);
    yield row as ArchiveRow;
  }
}

/** The archive's tables and columns must all exist here: rows are never silently dropped. */
function checkShape(entry: TableEntry, schema: Map<string, TargetTable>): TargetTable {
  const table = schema.get(entry.table);
  if (!table) {
    throw incompatible(`it holds table ${entry.table}, which this deployment does not have`);
  }
  const unknown = entry.columns.filter((column) => !table.columns.has(column));
  if (unknown.length > 0) {
    throw incompatible(`table ${entry.table} has columns this deployment does not know: ${unknown.join(', ')}`);
  }
  return table;
}

/**
 * Pass one: reads the whole archive, checking every entry's size and SHA-256 against the manifest
 * (and the manifest's format version), the tables and columns against this deployment's schema,
 * and every file against its row; and gives every id the archive holds its new id. Writes nothing.
 */
export async function planRestore(source: Readable, schema: Map<string, TargetTable>): Promise<RestorePlan> {
  const ids = new IdMap();
  const rows: Record<string, number> = {};
  let tenant: ArchiveRow | null = null;
  let chain: ArchiveRow | null = null;
  const users: ArchiveRow[] = [];
  const storedFiles = new Map<string, { sha256: unknown; bytes: unknown }>();
  const fileEntries: FileEntry[] = [];

  const manifest = await readExportArchive(source, async (entry, content) => {
    if (entry.kind === 'file') {
      fileEntries.push(entry);
      for await (const _chunk of content) {
        // Only the checksum matters here; the bytes are copied in the second pass.
      }
    } else {
      // A table that is not copied (sessions, exports…) may be one this deployment lacks.
      const table = NOT_COPIED.has(entry.table) && !schema.has(entry.table) ? null : checkShape(entry, schema);
      const uuidColumns = [...(table?.columns.values() ?? [])].filter((column) => column.type === 'uuid');
      let count = 0;
      for await (const row of ndjsonRows(entry, content)) {
        count += 1;
        if (entry.table === 'tenants') tenant = row;
        else if (entry.table === 'users') users.push(row);
        else if (entry.table === 'tenant_audit_chains') chain = row;
        else if (entry.table === 'tenant_files' && row.status === 'stored') {
          storedFiles.set(String(row.id), { sha256: row.sha256, bytes: row.size_bytes });
        }
        if (entry.table === 'users') continue;
        for (const column of uuidColumns) {
          const value = row[column.name];
          if (typeof value === 'string' && !column.referencesUsers) ids.add(value);
        }
      }
      if (count !== entry.rows)
        throw refused(`${entry.path} holds ${count} rows, its manifest entry says ${entry.rows}`);
      rows[entry.table] = count;
    }
  });

  if (manifest.scope !== 'tenant') throw personalArchive();
  if (rows.tenants !== 1 || !tenant) throw refused('it must hold exactly one tenants row');
  for (const entry of fileEntries) {
    const row = storedFiles.get(entry.fileId);
    if (!row || row.sha256 !== entry.sha256 || Number(row.bytes) !== entry.bytes) {
      throw refused(`${entry.path} does not match a stored file of tenant_files`);
    }
  }
  const missing = [...storedFiles.keys()].filter((id) => !fileEntries.some((entry) => entry.fileId === id));
  if (missing.length > 0) throw refused(`the bytes of file ${missing[0]} are missing`);
  return {
    exportId: manifest.exportId,
    exportedAt: manifest.createdAt,
    schemaVersion: manifest.schemaVersion,
    source: { uuid: manifest.tenant.uuid, slug: manifest.tenant.slug, name: manifest.tenant.name },
    tenant,
    users,
    chain,
    ids,
    rows,
    files: fileEntries.length,
  };
}
