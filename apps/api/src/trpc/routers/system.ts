import { PERMISSIONS, ROLE_PERMISSIONS } from '@digame/core/auth';
import { ROLES } from '@digame/core/members';
import { FEATURE_LABELS, FEATURES, TIER_NAMES, TIERS } from '@digame/core/tenants';
import { z } from 'zod';
import { publicProcedure, router } from '../trpc.js';

const tierOutput = z.object({
  name: z.enum(TIER_NAMES),
  label: z.string(),
  limits: z.object({ maxUsers: z.number().nullable(), storageLimitGb: z.number(), apiCallsPerHour: z.number() }),
  monthlyPriceCents: z.number().nullable(),
  features: z.record(z.enum(FEATURES), z.boolean()),
});

export const systemRouter = router({
  /** The public tier catalog and feature matrix, e.g. for a pricing or upgrade page. */
  tiers: publicProcedure
    .input(z.void())
    .output(z.object({ tiers: z.array(tierOutput), featureLabels: z.record(z.enum(FEATURES), z.string()) }))
    .query(() => ({ tiers: TIER_NAMES.map((name) => TIERS[name]), featureLabels: FEATURE_LABELS })),

  /** The role table: what each role gives, so a screen can show it beside a member's grants and denials. */
  roles: publicProcedure
    .input(z.void())
    .output(
      z.object({
        permissions: z.array(z.enum(PERMISSIONS)),
        roles: z.array(z.object({ name: z.enum(ROLES), permissions: z.array(z.enum(PERMISSIONS)) })),
      }),
    )
    .query(() => ({
      permissions: [...PERMISSIONS],
      roles: ROLES.map((name) => ({ name, permissions: [...ROLE_PERMISSIONS[name]] })),
    })),
});
