import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { FEATURES } from '../tenants/tiers.js';
import { User } from '../users/user.entity.js';

/**
 * An operator's decision to turn one feature on or off for one tenant, whatever its tier says.
 * The tenant row keeps the resulting effective map (what the request path reads); these rows keep
 * why, so a tier change can recompute it.
 */
export const FeatureOverride = defineEntity({
  name: 'FeatureOverride',
  tableName: 'tenant_feature_overrides',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    feature: p.enum([...FEATURES]).primary(),
    enabled: p.boolean(),
    reason: p.string().length(500),
    setBy: p.manyToOne(User).fieldName('set_by_user_id').nullable().deleteRule('set null'),
    updatedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
});

export type FeatureOverrideEntity = InferEntity<typeof FeatureOverride>;
