import { createHash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { DomainError } from '../errors/domain-error.js';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  type ArchiveManifest,
  type FileEntry,
  MANIFEST_PATH,
  manifestSchema,
  type TableEntry,
} from './archive-format.js';

/** A manifest is a list of entries: a few megabytes at most, even for large tenants. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

const damaged = (message: string) =>
  new DomainError('BAD_REQUEST', `The archive is damaged or not an export: ${message}`, {
    details: { reason: 'invalid_archive' },
  });

/**
 * Called with each entry's content as it streams; the content must be consumed (or piped on). The
 * entry's checksum is known only once it has streamed, so a mismatch is thrown afterwards: whatever
 * the handler does with the content belongs in a transaction the caller can roll back.
 */
export type ArchiveEntryHandler = (entry: TableEntry | FileEntry, content: Readable) => Promise<void>;

async function readAll(stream: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) throw damaged('the manifest is too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseManifest(bytes: Buffer): ArchiveManifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw damaged('manifest.json is not JSON');
  }
  const header = json as { format?: unknown; formatVersion?: unknown };
  if (header.format !== ARCHIVE_FORMAT) throw damaged(`manifest.json does not name the ${ARCHIVE_FORMAT} format`);
  if (header.formatVersion !== ARCHIVE_FORMAT_VERSION) {
    throw new DomainError(
      'BAD_REQUEST',
      `The archive is of format version ${String(header.formatVersion)}; this version reads version ${ARCHIVE_FORMAT_VERSION} only`,
      { details: { reason: 'unsupported_archive_version', formatVersion: header.formatVersion } },
    );
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw damaged('manifest.json does not match the format');
  return parsed.data;
}

/**
 * Reads an export archive as it streams and checks it against its manifest: the first entry must
 * be the manifest, and every following entry must be the next one it lists, with its size and
 * SHA-256. Missing, extra, reordered or altered entries, and unknown format versions, are refused
 * (BAD_REQUEST, reason `invalid_archive` or `unsupported_archive_version`). Returns the manifest.
 */
export async function readExportArchive(source: Readable, onEntry?: ArchiveEntryHandler): Promise<ArchiveManifest> {
  const extract = tar.extract();
  const unpacking = pipeline(source, createGunzip(), extract).catch((error: unknown) => {
    throw error instanceof DomainError ? error : damaged('not a gzip-compressed tar');
  });
  let manifest: ArchiveManifest | null = null;
  let position = 0;
  try {
    for await (const entry of extract) {
      // tar-stream's entries are streamx streams of Buffers, typed loosely.
      const chunks = entry as AsyncIterable<Buffer>;
      if (!manifest) {
        if (entry.header.name !== MANIFEST_PATH)
          throw damaged(`the first entry is ${entry.header.name}, not manifest.json`);
        manifest = parseManifest(await readAll(chunks, MAX_MANIFEST_BYTES));
        continue;
      }
      const expected = manifest.entries[position];
      if (!expected) throw damaged(`${entry.header.name} is not listed in the manifest`);
      if (entry.header.name !== expected.path) {
        throw damaged(`found ${entry.header.name} where the manifest lists ${expected.path}`);
      }
      const hash = createHash('sha256');
      let bytes = 0;
      const content = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          bytes += chunk.length;
          callback(null, chunk);
        },
      });
      const consumer = onEntry ? onEntry(expected, content) : content.resume() && Promise.resolve();
      await Promise.all([pipeline(chunks, content), consumer]);
      if (bytes !== expected.bytes || hash.digest('hex') !== expected.sha256) {
        throw damaged(`${expected.path} does not match its checksum`);
      }
      position += 1;
    }
    await unpacking;
  } catch (error) {
    source.destroy();
    await unpacking.catch(() => undefined);
    throw error instanceof DomainError ? error : damaged(error instanceof Error ? error.message : String(error));
  }
  if (!manifest) throw damaged('it holds no manifest.json');
  if (position !== manifest.entries.length) {
    throw damaged(`${manifest.entries[position]?.path} is listed in the manifest but missing`);
  }
  return manifest;
}
