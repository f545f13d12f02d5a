import { FEATURES, TIER_NAMES } from '@digame/core/tenants';
import { z } from 'zod';
import { isoDateTime } from './admin-common.js';

/** A tenant as clients see it; `id` is the public uuid. */
export const tenantOutput = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  domain: z.string().nullable(),
  subscriptionTier: z.enum(TIER_NAMES),
  isTrial: z.boolean(),
  trialEndsAt: isoDateTime.nullable(),
  isActive: z.boolean(),
  suspendedAt: isoDateTime.nullable(),
  suspensionReason: z.string().nullable(),
  limits: z.object({
    maxUsers: z.number().int().nullable(),
    storageLimitGb: z.number(),
    apiRateLimit: z.number().int(),
  }),
  features: z.partialRecord(z.enum(FEATURES), z.boolean()),
  settings: z.record(z.string(), z.unknown()),
  branding: z.record(z.string(), z.unknown()),
  adminEmail: z.string(),
  adminName: z.string(),
  phone: z.string().nullable(),
  address: z.string().nullable(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
