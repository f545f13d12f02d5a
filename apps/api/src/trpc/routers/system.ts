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
});
