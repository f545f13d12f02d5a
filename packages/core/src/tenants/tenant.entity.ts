import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { type Feature, TIER_NAMES } from './tiers.js';

export const TRIAL_END_POLICIES = ['convert_to_basic', 'suspend'] as const;
export type TrialEndPolicy = (typeof TRIAL_END_POLICIES)[number];

/** Global table: the tenant registry itself. Every column of the brief, plus lifecycle fields. */
export const Tenant = defineEntity({
  name: 'Tenant',
  tableName: 'tenants',
  properties: (p) => ({
    id: p.integer().primary().autoincrement(),
    tenantUuid: p.uuid().unique(),
    name: p.string().length(255),
    slug: p.string().length(100).unique(),
    domain: p.string().length(255).unique().nullable(),
    subscriptionTier: p.enum([...TIER_NAMES]).default('basic'),
    /** null = unlimited seats (enterprise). */
    maxUsers: p.integer().nullable(),
    storageLimitGb: p.integer(),
    apiRateLimit: p.integer(),
    isTrial: p.boolean().default(true),
    trialEndsAt: p.datetime().nullable(),
    trialEndPolicy: p.enum([...TRIAL_END_POLICIES]).default('convert_to_basic'),
    settings: p.json<Record<string, unknown>>().default('{}'),
    branding: p.json<Record<string, unknown>>().default('{}'),
    /** Effective feature flags, derived from the tier plus operator overrides. */
    features: p.json<Partial<Record<Feature, boolean>>>().default('{}'),
    isActive: p.boolean().default(true),
    suspendedAt: p.datetime().nullable(),
    suspensionReason: p.string().length(500).nullable(),
    adminEmail: p.string().length(255),
    adminName: p.string().length(255),
    phone: p.string().length(50).nullable(),
    address: p.text().nullable(),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
});

export type TenantEntity = InferEntity<typeof Tenant>;
