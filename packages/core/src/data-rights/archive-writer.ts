import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { EntityManager } from '@mikro-orm/postgresql';
import tar from 'tar-stream';
import type { ObjectStore } from '../files/object-store.js';
import {
  type ArchiveManifest,
  type FileEntry,
  fileEntryPath,
  MANIFEST_PATH,
  type TableEntry,
  tableEntryPath,
} from './archive-format.js';
import { archiveFilesQuery, archiveTables } from './archive-tables.js';
import type { ExportScope } from './data-rights.entity.js';

/** Rows fetched per round trip from the export's cursor (a row may be large: a report PDF). */
const FETCH_ROWS = 200;

/** Counts and hashes the bytes passing through; with `expected`, fails the stream on a mismatch. */
class Digest extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  hex = '';

  constructor(private readonly expected?: { bytes: number; sha256: string; what: string }) {
    super();
  }

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null, data?: Buffer) => void,
  ) {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: (error?: Error | null) => void) {
    this.hex = this.hash.digest('hex');
    const { expected } = this;
    if (expected && (expected.bytes !== this.bytes || expected.sha256 !== this.hex)) {
      callback(new Error(`${expected.what} does not match its recorded checksum`));
    } else callback();
  }
}

/** A stored file the archive carries, as tenant_files lists it. */
export interface ArchiveFile extends FileEntry {
  storageKey: string;
}

/**
 * Writes every table of the scope, one NDJSON file each under `dir`, from one snapshot (the unit of
 * work must be a snapshot of the tenant, see Database.inTenant). Each line is PostgreSQL's own
 * `to_jsonb` text of a row, so no value loses precision on its way through JavaScript.
 */
export async function dumpTables(
  em: EntityManager,
  scope: ExportScope,
  dir: string,
  onTable: (done: number, total: number) => Promise<void>,
): Promise<{ tables: TableEntry[]; files: ArchiveFile[] }> {
  const specs = await archiveTables(em, scope);
  const tables: TableEntry[] = [];
  for (const [index, spec] of specs.entries()) {
    const out = createWriteStream(path.join(dir, `${spec.table}.ndjson`));
    const hash = createHash('sha256');
    let bytes = 0;
    let rows = 0;
    await em.execute(`declare export_rows no scroll cursor for select (q.row)::text as line from (${spec.query}) q`);
    for (;;) {
      const batch = await em.execute<{ line: string }[]>(`fetch forward ${FETCH_ROWS} from export_rows`);
      if (batch.length === 0) break;
      const chunk = Buffer.from(batch.map((row) => `${row.line}\n`).join(''), 'utf8');
      hash.update(chunk);
      bytes += chunk.length;
      rows += batch.length;
      if (!out.write(chunk)) await once(out, 'drain');
    }
    await em.execute('close export_rows');
    out.end();
    await once(out, 'finish');
    tables.push({
      path: tableEntryPath(spec.table),
      kind: 'table',
      table: spec.table,
      rows,
      bytes,
      sha256: hash.digest('hex'),
      primaryKey: spec.primaryKey,
      columns: spec.columns,
      omittedColumns: spec.omittedColumns,
    });
    await onTable(index + 1, specs.length);
  }
  const stored = await em.execute<
    { id: string; name: string; content_type: string; size_bytes: string; sha256: string | null; storage_key: string }[]
  >(archiveFilesQuery(scope));
  const files = stored.map(
    (file): ArchiveFile => ({
      path: fileEntryPath(file.id),
      kind: 'file',
      fileId: file.id,
      name: file.name,
      contentType: file.content_type,
      bytes: Number(file.size_bytes),
      sha256: file.sha256 ?? '',
      storageKey: file.storage_key,
    }),
  );
  return { tables, files };
}

/**
 * Streams the archive to `archivePath`: the manifest first, then each table's NDJSON from `dir`,
 * then each file's bytes from the object store, checked against the checksum recorded at upload
 * (a file whose bytes changed fails the build rather than ship unnoticed). Nothing is held in
 * memory beyond a stream's buffers. Returns the archive's size and SHA-256.
 */
export async function writeArchive(
  archivePath: string,
  manifest: ArchiveManifest,
  dir: string,
  files: ArchiveFile[],
  store: ObjectStore,
  onBytes: (bytes: number) => Promise<void>,
): Promise<{ bytes: number; sha256: string }> {
  const pack = tar.pack();
  const digest = new Digest();
  const written = pipeline(pack, createGzip(), digest, createWriteStream(archivePath));
  const mtime = new Date(manifest.createdAt);
  const add = (name: string, size: number, source: Readable, check?: Digest) =>
    new Promise<void>((resolve, reject) => {
      const sink = pack.entry({ name, size, mtime }, (error) => (error ? reject(error) : resolve()));
      (check ? pipeline(source, check, sink) : pipeline(source, sink)).catch(reject);
    });
  try {
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name: MANIFEST_PATH, size: manifestBytes.length, mtime }, manifestBytes, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    for (const entry of manifest.entries) {
      if (entry.kind === 'table') {
        await add(entry.path, entry.bytes, createReadStream(path.join(dir, `${entry.table}.ndjson`)));
      } else {
        const file = files.find((candidate) => candidate.fileId === entry.fileId);
        if (!file) throw new Error(`file ${entry.fileId} is listed but not selected`);
        const check = new Digest({ bytes: file.bytes, sha256: file.sha256, what: `file ${file.fileId}` });
        await add(entry.path, entry.bytes, await store.get(file.storageKey), check);
      }
      await onBytes(entry.bytes);
    }
    pack.finalize();
    await written;
  } catch (error) {
    pack.destroy(error as Error);
    await written.catch(() => undefined);
    throw error;
  }
  return { bytes: digest.bytes, sha256: digest.hex };
}
