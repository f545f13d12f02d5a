import { z } from 'zod';

/** What every archive says it is; see docs/data-lifecycle.md, which restore and other readers follow. */
export const ARCHIVE_FORMAT = 'digame-tenant-export';
export const ARCHIVE_FORMAT_VERSION = 1;
export const MANIFEST_PATH = 'manifest.json';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const tableEntrySchema = z.object({
  path: z.string(),
  kind: z.literal('table'),
  table: z.string(),
  rows: z.number().int().min(0),
  bytes: z.number().int().min(0),
  sha256,
  primaryKey: z.array(z.string()),
  columns: z.array(z.string()),
  omittedColumns: z.array(z.string()),
});
export type TableEntry = z.infer<typeof tableEntrySchema>;

export const fileEntrySchema = z.object({
  path: z.string(),
  kind: z.literal('file'),
  fileId: z.uuid(),
  name: z.string(),
  contentType: z.string(),
  bytes: z.number().int().min(0),
  sha256,
});
export type FileEntry = z.infer<typeof fileEntrySchema>;

export const manifestSchema = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  formatVersion: z.literal(ARCHIVE_FORMAT_VERSION),
  scope: z.enum(['tenant', 'personal']),
  exportId: z.uuid(),
  createdAt: z.iso.datetime(),
  schemaVersion: z.string(),
  tenant: z.object({ id: z.number().int(), uuid: z.uuid(), slug: z.string(), name: z.string() }),
  subject: z.object({ userId: z.uuid() }).nullable(),
  entries: z.array(z.discriminatedUnion('kind', [tableEntrySchema, fileEntrySchema])),
});
export type ArchiveManifest = z.infer<typeof manifestSchema>;

export const tableEntryPath = (table: string) => `tables/${table}.ndjson`;
export const fileEntryPath = (fileId: string) => `files/${fileId}`;
