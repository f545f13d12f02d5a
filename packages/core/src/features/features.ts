import type { EntityManager } from '@mikro-orm/postgresql';
import { audit } from '../audit/audit.js';
import { DomainError } from '../errors/domain-error.js';
import type { TenantContext } from '../services/context.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { cheapestTierWith, FEATURE_LABELS, FEATURES, type Feature, TIERS, type TierName } from '../tenants/tiers.js';
import { FeatureOverride } from './feature-override.entity.js';

export type FeatureMap = Record<Feature, boolean>;

/** Tier defaults with operator overrides on top: what the tenant may use. */
export function effectiveFeatures(tierName: TierName, overrides: ReadonlyMap<Feature, boolean>): FeatureMap {
  const features = { ...TIERS[tierName].features };
  for (const [feature, enabled] of overrides) features[feature] = enabled;
  return features;
}

/** The refusal every feature gate gives: clients show an upgrade prompt naming `requiredTier`. */
export function featureNotAvailable(feature: Feature): DomainError {
  return new DomainError('FORBIDDEN', 'Feature not available in your subscription', {
    details: {
      reason: 'feature_not_available',
      feature,
      featureLabel: FEATURE_LABELS[feature],
      requiredTier: cheapestTierWith(feature),
    },
  });
}

export function assertFeature(features: Partial<Record<Feature, boolean>>, feature: Feature): void {
  if (features[feature] !== true) throw featureNotAvailable(feature);
}

async function overridesOf(em: EntityManager, tenantId: number): Promise<Map<Feature, boolean>> {
  const rows = await em.find(FeatureOverride, { tenant: tenantId });
  return new Map(rows.map((row) => [row.feature, row.enabled]));
}

/**
 * Recomputes the stored effective map of the context's tenant from its tier and overrides, after
 * either changed. The request path reads the stored map, so caches are dropped after commit.
 */
export async function recomputeFeatures(
  ctx: TenantContext,
  tenant: { subscriptionTier: TierName },
): Promise<FeatureMap> {
  const features = effectiveFeatures(tenant.subscriptionTier, await overridesOf(ctx.em, ctx.tenantId));
  const row = await ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId });
  row.features = features;
  ctx.invalidateTenantFacts();
  return features;
}

export interface FeatureStatus {
  feature: Feature;
  label: string;
  enabled: boolean;
  /** Why it is on or off: the tier's matrix, or an operator's override. */
  source: 'tier' | 'override';
  includedInTier: boolean;
  overrideReason: string | null;
  /** The cheapest tier that includes it, for upgrade prompts. */
  requiredTier: TierName;
}

export async function listFeatures(ctx: TenantContext): Promise<FeatureStatus[]> {
  const tenant = await ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId });
  const overrides = await ctx.em.find(FeatureOverride, { tenant: ctx.tenantId });
  const byFeature = new Map(overrides.map((row) => [row.feature, row]));
  const tierFeatures = TIERS[tenant.subscriptionTier as TierName].features;
  return FEATURES.map((feature) => {
    const override = byFeature.get(feature);
    return {
      feature,
      label: FEATURE_LABELS[feature],
      enabled: override ? override.enabled : tierFeatures[feature],
      source: override ? 'override' : 'tier',
      includedInTier: tierFeatures[feature],
      overrideReason: override?.reason ?? null,
      requiredTier: cheapestTierWith(feature),
    };
  });
}

export interface SetFeatureOverride {
  feature: Feature;
  /** true/false forces the feature; null removes the override so the tier decides again. */
  enabled: boolean | null;
  reason: string;
}

/** An operator's override; audited with the before/after effective value. */
export async function setFeatureOverride(ctx: TenantContext, input: SetFeatureOverride): Promise<FeatureStatus[]> {
  const tenant = await ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId });
  const before = tenant.features[input.feature] === true;
  const existing = await ctx.em.findOne(FeatureOverride, { tenant: ctx.tenantId, feature: input.feature });
  const overrideBefore = existing ? existing.enabled : null;
  if (input.enabled === null) {
    if (existing) ctx.em.remove(existing);
  } else if (existing) {
    ctx.em.assign(existing, { enabled: input.enabled, reason: input.reason, setBy: ctx.actor.userId });
  } else {
    ctx.em.create(FeatureOverride, {
      tenant: ctx.tenantId,
      feature: input.feature,
      enabled: input.enabled,
      reason: input.reason,
      setBy: ctx.actor.userId,
    });
  }
  await ctx.em.flush();
  const features = await recomputeFeatures(ctx, tenant);
  audit(ctx, {
    action: input.enabled === null ? 'feature.override_removed' : 'feature.override_set',
    resourceType: 'feature',
    resourceId: input.feature,
    details: {
      reason: input.reason,
      before: { enabled: before, override: overrideBefore },
      after: { enabled: features[input.feature], override: input.enabled },
    },
  });
  ctx.publish('tenant.changed', { change: 'features' });
  return listFeatures(ctx);
}
