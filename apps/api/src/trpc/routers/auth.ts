import { PERMISSIONS } from '@digame/core/auth';
import { FEATURES, TIER_NAMES } from '@digame/core/tenants';
import { z } from 'zod';
import { authedProcedure, router } from '../trpc.js';

const whoamiOutput = z.object({
  kind: z.enum(['session', 'api_key']),
  userId: z.string().nullable(),
  role: z.string().nullable(),
  permissions: z.array(z.enum(PERMISSIONS)),
  tenant: z.object({
    id: z.number(),
    uuid: z.string(),
    slug: z.string(),
    name: z.string(),
    tier: z.enum(TIER_NAMES),
    features: z.array(z.enum(FEATURES)),
  }),
});

export const authRouter = router({
  /** Who the credential belongs to, in which tenant, with what permissions and features. */
  whoami: authedProcedure
    .input(z.void())
    .output(whoamiOutput)
    .query(({ ctx: { principal, tenant } }) => ({
      kind: principal.kind,
      userId: principal.userId,
      role: principal.role,
      permissions: [...principal.permissions].sort(),
      tenant: {
        id: tenant.id,
        uuid: tenant.uuid,
        slug: tenant.slug,
        name: tenant.name,
        tier: tenant.tier,
        features: FEATURES.filter((feature) => tenant.features[feature] === true),
      },
    })),
});
