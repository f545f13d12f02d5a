export { Tenant, type TenantEntity, TRIAL_END_POLICIES, type TrialEndPolicy } from './tenant.entity.js';
export { type NewTenant, provisionTenant, slugify, tierDefaults } from './tenant.service.js';
export {
  applyPlan,
  changeTier,
  DATE_FORMATS,
  getTenant,
  type ListTenants,
  listTenants,
  type PlanChange,
  previewTierChange,
  reactivateTenant,
  readTenantView,
  type SetPlan,
  setPlan,
  suspendTenant,
  type TenantUpdate,
  type TenantView,
  type TierChangePreview,
  tenantBrandingSchema,
  tenantPreferencesSchema,
  tenantUpdateSchema,
  toTenantView,
  updateTenant,
} from './tenant-admin.js';
export { type CreatedTenant, type CreateTenantInput, createTenant, SelfServeSignups } from './tenant-creation.js';
export {
  SECURITY_DEFAULTS,
  TenantDirectory,
  type TenantFacts,
  type TenantSecurityFacts,
} from './tenant-directory.js';
export { tenantIdByUuid } from './tenant-lookup.js';
export {
  cheapestTierWith,
  FEATURE_LABELS,
  FEATURES,
  type Feature,
  TIER_NAMES,
  TIERS,
  type Tier,
  type TierLimits,
  type TierName,
  TRIAL_DAYS,
  tier,
} from './tiers.js';
