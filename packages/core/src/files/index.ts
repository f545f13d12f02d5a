export {
  FILE_PURPOSES,
  FILE_STATUSES,
  type FilePurpose,
  type FileStatus,
  TenantFile,
  type TenantFileEntity,
  TenantStorageUsage,
  type TenantStorageUsageEntity,
} from './file.entity.js';
export {
  abandonUpload,
  completeUpload,
  currentLogo,
  deleteFile,
  type FileListQuery,
  type FileView,
  fileForDownload,
  getFile,
  LOGO_CONTENT_TYPES,
  listFiles,
  logoUrl,
  releaseAbandonedUploads,
  reserveUpload,
  type StorageQuota,
  storageQuota,
  toFileView,
  type UploadRequest,
  uploadRequestSchema,
} from './file.service.js';
export { LocalObjectStore } from './local-object-store.js';
export {
  assertObjectKey,
  fileStorageKey,
  type ObjectStore,
  SizeMismatchError,
  tenantObjectPrefix,
} from './object-store.js';
export type { S3ObjectStore, S3StoreOptions } from './s3-object-store.js';
export { createObjectStore, type FileStorageEnv, fileStorageEnvSchema } from './storage-config.js';
export { type TenantRunner, uploadFile } from './upload.js';
