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

/**
 * The two answers below are constants of the deployment: each is checked against its schema once,
 * when the api starts (a mismatch stops it), instead of on every call as an `.output()` schema
 * would, and answered as that one frozen, checked value. The client's types are the schemas'.
 */
const TIER_CATALOG = constantAnswer(
  z.object({ tiers: z.array(tierOutput), featureLabels: z.record(z.enum(FEATURES), z.string()) }),
  { tiers: TIER_NAMES.map((name) => TIERS[name]), featureLabels: FEATURE_LABELS },
);
const ROLE_TABLE = constantAnswer(
  z.object({
    permissions: z.array(z.enum(PERMISSIONS)),
    roles: z.array(z.object({ name: z.enum(ROLES), permissions: z.array(z.enum(PERMISSIONS)) })),
  }),
  { permissions: [...PERMISSIONS], roles: ROLES.map((name) => ({ name, permissions: [...ROLE_PERMISSIONS[name]] })) },
);

function constantAnswer<S extends z.ZodType>(schema: S, value: z.input<S>): Readonly<z.output<S>> {
  return deepFreeze(schema.parse(value));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export const systemRouter = router({
  /** The public tier catalog and feature matrix, e.g. for a pricing or upgrade page. */
  tiers: publicProcedure.input(z.void()).query(() => TIER_CATALOG),

  /** The role table: what each role gives, so a screen can show it beside a member's grants and denials. */
  roles: publicProcedure.input(z.void()).query(() => ROLE_TABLE),
});
