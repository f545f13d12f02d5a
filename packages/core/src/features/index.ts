export { FeatureOverride, type FeatureOverrideEntity } from './feature-override.entity.js';
export {
  assertFeature,
  effectiveFeatures,
  type FeatureMap,
  type FeatureStatus,
  featureNotAvailable,
  listFeatures,
  recomputeFeatures,
  type SetFeatureOverride,
  setFeatureOverride,
} from './features.js';
