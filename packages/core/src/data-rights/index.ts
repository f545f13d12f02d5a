export {
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  type ArchiveManifest,
  type FileEntry,
  fileEntryPath,
  MANIFEST_PATH,
  manifestSchema,
  type TableEntry,
  tableEntryPath,
} from './archive-format.js';
export { type ArchiveEntryHandler, readExportArchive } from './archive-reader.js';
export { SECRET_COLUMNS, USER_EXPORT_COLUMNS } from './archive-tables.js';
export {
  EXPORT_SCOPES,
  EXPORT_STATUSES,
  type ExportScope,
  type ExportStatus,
  TenantDataExport,
  type TenantDataExportEntity,
  TenantErasure,
  type TenantErasureEntity,
} from './data-rights.entity.js';
export {
  DOWNLOAD_LINK_TTL_SECONDS,
  type DownloadClaims,
  signDownloadToken,
  verifyDownloadToken,
} from './download-token.js';
export {
  ERASED,
  type ErasureView,
  erasedAddress,
  eraseMe,
  eraseMeInput,
  eraseMember,
  eraseMemberInput,
  eraseOrphanedAccount,
} from './erasure.service.js';
export {
  ARCHIVE_RETENTION_DAYS,
  auditExportDownload,
  type Downloader,
  downloaderOf,
  type ExportView,
  expireDueExport,
  exportArchiveKey,
  exportForDownload,
  exportListInput,
  listPersonalExports,
  listTenantExports,
  requestPersonalExport,
  requestTenantExport,
} from './export.service.js';
export { buildExport, type ExportBuildDeps } from './export-build.js';
