import { listFeatures, setFeatureOverride } from '@digame/core/features';
import { FEATURES, TIER_NAMES } from '@digame/core/tenants';
import { z } from 'zod';
import { operatorProcedure, router } from '../trpc.js';
import { addressedTenantProcedure, resolveTenant, tenantAddress } from './admin-common.js';

const featureStatus = z.object({
  feature: z.enum(FEATURES),
  label: z.string(),
  enabled: z.boolean(),
  source: z.enum(['tier', 'override']),
  includedInTier: z.boolean(),
  overrideReason: z.string().nullable(),
  requiredTier: z.enum(TIER_NAMES),
});

export const featuresRouter = router({
  /** Each feature, whether it is on, and why (the tier, or an operator's override). */
  list: addressedTenantProcedure('tenant.read')
    .input(z.strictObject(tenantAddress).optional())
    .output(z.array(featureStatus))
    .query(({ ctx }) => ctx.run(listFeatures)),

  /** Operators: force a feature on or off for one tenant (null removes the override). */
  setOverride: operatorProcedure
    .input(
      z.strictObject({
        tenantId: z.uuid(),
        feature: z.enum(FEATURES),
        enabled: z.boolean().nullable(),
        reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500),
      }),
    )
    .output(z.array(featureStatus))
    .mutation(async ({ ctx, input: { tenantId, ...override } }) =>
      ctx.runAsOperator(await resolveTenant(ctx, tenantId), override.reason, (sc) => setFeatureOverride(sc, override)),
    ),
});
