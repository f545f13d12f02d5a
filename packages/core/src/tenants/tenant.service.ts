import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Tenant, type TenantEntity, type TrialEndPolicy } from './tenant.entity.js';
import { TIERS, type TierName, TRIAL_DAYS } from './tiers.js';

export interface NewTenant {
  name: string;
  adminEmail: string;
  adminName: string;
  subscriptionTier?: TierName;
  domain?: string | null;
  phone?: string | null;
  address?: string | null;
  trialEndPolicy?: TrialEndPolicy;
}

/** URL-friendly identifier from a display name: "Acme Corp." → "acme-corp". */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 90)
    .replace(/-+$/g, '');
  return slug || 'tenant';
}

/** The first free slug among "acme", "acme-2", "acme-3", … */
async function uniqueSlug(em: EntityManager, base: string): Promise<string> {
  const rows = await em.execute<{ slug: string }[]>("select slug from tenants where slug = ? or slug like ? || '-%'", [
    base,
    base,
  ]);
  const taken = new Set(rows.map((row) => row.slug));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/**
 * Limits and features of a tier, as stored on the tenant row (the request path reads them there).
 */
export function tierDefaults(tierName: TierName) {
  const { limits, features } = TIERS[tierName];
  return {
    subscriptionTier: tierName,
    maxUsers: limits.maxUsers,
    storageLimitGb: limits.storageLimitGb,
    apiRateLimit: limits.apiCallsPerHour,
    features: { ...features },
  };
}

/**
 * Creates the tenant row with its tier's limits and features and a trial. The admin user,
 * membership and welcome email are added by the caller's flow in the same unit of work.
 */
export async function provisionTenant(em: EntityManager, input: NewTenant, now = new Date()): Promise<TenantEntity> {
  const tenant = em.create(Tenant, {
    tenantUuid: randomUUID(),
    name: input.name.trim(),
    slug: await uniqueSlug(em, slugify(input.name)),
    domain: input.domain ?? null,
    ...tierDefaults(input.subscriptionTier ?? 'basic'),
    isTrial: true,
    trialEndsAt: new Date(now.getTime() + TRIAL_DAYS * 24 * 60 * 60 * 1000),
    trialEndPolicy: input.trialEndPolicy ?? 'convert_to_basic',
    adminEmail: input.adminEmail.trim().toLowerCase(),
    adminName: input.adminName.trim(),
    phone: input.phone ?? null,
    address: input.address ?? null,
  });
  await em.flush();
  return tenant;
}
