import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { ArchiveManifest } from '../../data-rights/archive-format.js';

export interface ArchiveEntry {
  name: string;
  content: Buffer;
}

/** Every entry of a .tar.gz, in order, with its bytes (test archives are small). */
export async function unpack(archive: Buffer): Promise<ArchiveEntry[]> {
  const extract = tar.extract();
  const entries: ArchiveEntry[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      entries.push({ name: entry.header.name, content: Buffer.concat(chunks) });
    }
  })();
  Readable.from([gunzipSync(archive)]).pipe(extract);
  await done;
  return entries;
}

/** Packs entries into a .tar.gz again. */
export async function pack(entries: ArchiveEntry[]): Promise<Buffer> {
  const packer = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of packer) chunks.push(chunk as Buffer);
  })();
  for (const entry of entries) {
    await new Promise<void>((resolve, reject) =>
      packer.entry({ name: entry.name, size: entry.content.length }, entry.content, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  }
  packer.finalize();
  await collected;
  return gzipSync(Buffer.concat(chunks));
}

export const manifestOf = (entries: ArchiveEntry[]): ArchiveManifest =>
  JSON.parse((entries[0] as ArchiveEntry).content.toString('utf8')) as ArchiveManifest;

/**
 * An archive edited and then sealed again — its manifest's sizes and checksums recomputed — as a
 * tamperer who knows the format would: it passes every checksum, and only what it says can refuse it.
 */
export async function resealed(
  archive: Buffer,
  edit: (entries: ArchiveEntry[], manifest: ArchiveManifest) => void,
): Promise<Buffer> {
  const entries = await unpack(archive);
  const manifest = manifestOf(entries);
  edit(entries, manifest);
  for (const listed of manifest.entries) {
    const entry = entries.find((candidate) => candidate.name === listed.path);
    if (!entry) continue;
    listed.bytes = entry.content.length;
    listed.sha256 = createHash('sha256').update(entry.content).digest('hex');
  }
  (entries[0] as ArchiveEntry).content = Buffer.from(JSON.stringify(manifest));
  return pack(entries);
}

/** The NDJSON rows of a table entry. */
export function tableRows(entries: ArchiveEntry[], table: string): Record<string, unknown>[] {
  const entry = entries.find((candidate) => candidate.name === `tables/${table}.ndjson`);
  if (!entry) return [];
  return entry.content
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function setTableRows(entries: ArchiveEntry[], table: string, rows: Record<string, unknown>[]): void {
  const entry = entries.find((candidate) => candidate.name === `tables/${table}.ndjson`);
  if (!entry) throw new Error(`no table ${table}`);
  entry.content = Buffer.from(rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
}
