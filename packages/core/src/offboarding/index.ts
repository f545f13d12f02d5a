export {
  TenantDeletion,
  type TenantDeletionEntity,
  TenantOffboarding,
  type TenantOffboardingEntity,
} from './offboarding.entity.js';
export {
  advanceOffboarding,
  cancelDeletion,
  DEFAULT_DELETION_RETENTION_DAYS,
  DELETION_RETENTION_SETTING,
  type DeletionScheduleView,
  FINAL_NOTICE_DAYS,
  getOffboarding,
  type OffboardingStep,
  type OffboardingView,
  offboardingRefusal,
  type ScheduleDeletion,
  scheduleDeletion,
  scheduleDeletionSchema,
} from './offboarding.service.js';
export {
  listTenantDeletions,
  type OffboardingOutcome,
  offboardingsDue,
  type PurgeDeps,
  purgeTenant,
  runOffboarding,
} from './purge.js';
export {
  deleteTenantRedisKeys,
  REDIS_KEY_FAMILIES,
  type TenantCredentialIds,
  tenantKeyPatterns,
} from './tenant-redis-keys.js';
