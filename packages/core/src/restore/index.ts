export { IdMap } from './id-map.js';
export { type RestoreDeps, type RestoredTenant, type RestoreRequest, restoreTenant } from './restore.service.js';
export {
  MAX_RESTORE_ARCHIVE_BYTES,
  type RestoreJobPayload,
  type RestoreState,
  type RestoreStatus,
  restoreArchiveKey,
  restoreJobId,
  restoreStatus,
  runRestoreJob,
  stageRestore,
  storedExportArchive,
} from './restore-job.js';
