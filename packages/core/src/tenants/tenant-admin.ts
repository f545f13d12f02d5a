import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { audit, changedFields } from '../audit/audit.js';
import { currentMonthlyPriceCents } from '../billing/billing.service.js';
import { billingProviderOf } from '../billing/billing-provider.js';
import { LedgerEntry, type LedgerEntryKind } from '../billing/ledger-entry.entity.js';
import { billingMonth, prorate } from '../billing/periods.js';
import type { Database } from '../db/database.js';
import { sql } from '../db/sql.js';
import { DomainError } from '../errors/domain-error.js';
import { assertFeature, recomputeFeatures } from '../features/features.js';
import { activeSeatCount } from '../members/member-guards.js';
import type { TenantContext } from '../services/context.js';
import { latestStorageBytes } from '../usage/usage.service.js';
import { normalizeEmail } from '../users/user.entity.js';
import { Tenant, type TenantEntity } from './tenant.entity.js';
import { lockTenantRow } from './tenant-lock.js';
import { type Feature, TIER_NAMES, TIERS, type TierLimits, type TierName } from './tiers.js';

// ── schemas ─────────────────────────────────────────────────────────────────────────────────────

const TIME_ZONES = new Set(Intl.supportedValuesOf('timeZone'));
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export const DATE_FORMATS = ['MM/DD/YYYY', 'DD/MM/YYYY', 'YYYY-MM-DD', 'DD.MM.YYYY'] as const;

/** The brief's tenant `settings` (regional preferences); each key optional, null clears it. */
export const tenantPreferencesSchema = z.strictObject({
  timezone: z
    .string()
    .refine((zone) => zone === 'UTC' || TIME_ZONES.has(zone), 'must be an IANA time zone such as America/New_York')
    .nullable()
    .optional(),
  date_format: z.enum(DATE_FORMATS).nullable().optional(),
  currency: z
    .string()
    .refine((code) => CURRENCIES.has(code), 'must be an ISO 4217 currency code such as USD')
    .nullable()
    .optional(),
});

/** The brief's tenant `branding` (needs the custom_branding feature); null clears a key. */
export const tenantBrandingSchema = z.strictObject({
  primary_color: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour such as #007bff')
    .nullable()
    .optional(),
  logo_url: z
    .url({ protocol: /^https$/, error: 'must be an https:// URL' })
    .max(500)
    .nullable()
    .optional(),
});

const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .max(255)
  .regex(
    /^(?=.{1,255}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'must be a domain such as acme.example.com',
  );

export const tenantUpdateSchema = z.strictObject({
  name: z.string().trim().min(2, 'must be at least 2 characters').max(255).optional(),
  adminEmail: z.email('must be an email address').max(255).optional(),
  adminName: z.string().trim().min(1, 'is required').max(255).optional(),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9 ()./-]{4,49}$/, 'must be a phone number such as +1 555 123 4567')
    .nullable()
    .optional(),
  address: z.string().trim().max(1000).nullable().optional(),
  domain: domainName.nullable().optional(),
  settings: tenantPreferencesSchema.optional(),
  branding: tenantBrandingSchema.optional(),
});
export type TenantUpdate = z.infer<typeof tenantUpdateSchema>;

// ── views ───────────────────────────────────────────────────────────────────────────────────────

export interface TenantView {
  /** The public id (uuid); numeric ids never leave the server. */
  id: string;
  slug: string;
  name: string;
  domain: string | null;
  subscriptionTier: TierName;
  isTrial: boolean;
  trialEndsAt: Date | null;
  isActive: boolean;
  suspendedAt: Date | null;
  suspensionReason: string | null;
  limits: { maxUsers: number | null; storageLimitGb: number; apiRateLimit: number };
  features: Partial<Record<Feature, boolean>>;
  settings: Record<string, unknown>;
  branding: Record<string, unknown>;
  adminEmail: string;
  adminName: string;
  phone: string | null;
  address: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a tenant view is made of: the entity, or the same columns read without the ORM. */
type TenantViewSource = Pick<
  TenantEntity,
  | 'tenantUuid'
  | 'slug'
  | 'name'
  | 'domain'
  | 'subscriptionTier'
  | 'isTrial'
  | 'trialEndsAt'
  | 'isActive'
  | 'suspendedAt'
  | 'suspensionReason'
  | 'maxUsers'
  | 'storageLimitGb'
  | 'apiRateLimit'
  | 'features'
  | 'settings'
  | 'branding'
  | 'adminEmail'
  | 'adminName'
  | 'phone'
  | 'address'
  | 'createdAt'
  | 'updatedAt'
>;

export function toTenantView(tenant: TenantViewSource): TenantView {
  return {
    id: tenant.tenantUuid,
    slug: tenant.slug,
    name: tenant.name,
    domain: tenant.domain ?? null,
    subscriptionTier: tenant.subscriptionTier,
    isTrial: tenant.isTrial,
    trialEndsAt: tenant.trialEndsAt ?? null,
    isActive: tenant.isActive,
    suspendedAt: tenant.suspendedAt ?? null,
    suspensionReason: tenant.suspensionReason ?? null,
    limits: {
      maxUsers: tenant.maxUsers ?? null,
      storageLimitGb: tenant.storageLimitGb,
      apiRateLimit: tenant.apiRateLimit,
    },
    features: tenant.features,
    settings: tenant.settings,
    branding: tenant.branding,
    adminEmail: tenant.adminEmail,
    adminName: tenant.adminName,
    phone: tenant.phone ?? null,
    address: tenant.address ?? null,
    createdAt: tenant.createdAt,
    updatedAt: tenant.updatedAt,
  };
}

const thisTenant = (ctx: TenantContext) => ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId });

function tenantChanged(ctx: TenantContext, change: string): void {
  ctx.invalidateTenantFacts();
  ctx.publish('tenant.changed', { change });
}

// ── own tenant ──────────────────────────────────────────────────────────────────────────────────

export async function getTenant(ctx: TenantContext): Promise<TenantView> {
  return toTenantView(await thisTenant(ctx));
}

/** The tenants row as the app pool's pg returns it: timestamps as text, json parsed. */
interface TenantViewRow {
  tenant_uuid: string;
  slug: string;
  name: string;
  domain: string | null;
  subscription_tier: TierName;
  is_trial: boolean;
  trial_ends_at: string | null;
  is_active: boolean;
  suspended_at: string | null;
  suspension_reason: string | null;
  max_users: number | null;
  storage_limit_gb: number;
  api_rate_limit: number;
  features: Partial<Record<Feature, boolean>>;
  settings: Record<string, unknown>;
  branding: Record<string, unknown>;
  admin_email: string;
  admin_name: string;
  phone: string | null;
  address: string | null;
  created_at: string;
  updated_at: string;
}

/** A timestamptz read as text, as the ORM hydrates it (the text always carries its offset). */
const timestamp = (text: string) => new Date(text);

/**
 * getTenant as a hot read: the same view, from one statement in a read unit (one round trip, no
 * ORM), for the caller's own tenant. An operator's read of another tenant stays on getTenant, in
 * the audited unit of work that records the access.
 */
export async function readTenantView(db: Database, tenantId: number): Promise<TenantView> {
  const [[row]] = await db.readInTenant(tenantId, [
    sql<TenantViewRow>`select tenant_uuid, slug, name, domain, subscription_tier, is_trial, trial_ends_at, is_active,
      suspended_at, suspension_reason, max_users, storage_limit_gb, api_rate_limit, features, settings, branding,
      admin_email, admin_name, phone, address, created_at, updated_at
      from tenants where id = ${tenantId}`,
  ]);
  if (!row) throw new DomainError('NOT_FOUND', 'Tenant not found');
  return toTenantView({
    tenantUuid: row.tenant_uuid,
    slug: row.slug,
    name: row.name,
    domain: row.domain,
    subscriptionTier: row.subscription_tier,
    isTrial: row.is_trial,
    trialEndsAt: row.trial_ends_at === null ? null : timestamp(row.trial_ends_at),
    isActive: row.is_active,
    suspendedAt: row.suspended_at === null ? null : timestamp(row.suspended_at),
    suspensionReason: row.suspension_reason,
    maxUsers: row.max_users,
    storageLimitGb: row.storage_limit_gb,
    apiRateLimit: row.api_rate_limit,
    features: row.features,
    settings: row.settings,
    branding: row.branding,
    adminEmail: row.admin_email,
    adminName: row.admin_name,
    phone: row.phone,
    address: row.address,
    createdAt: timestamp(row.created_at),
    updatedAt: timestamp(row.updated_at),
  });
}

/** Applies a patch to a JSON map: keys set to null are removed. */
function patched(current: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

export async function updateTenant(ctx: TenantContext, input: TenantUpdate): Promise<TenantView> {
  const tenant = await thisTenant(ctx);
  if (input.branding && Object.keys(input.branding).length > 0) assertFeature(tenant.features, 'custom_branding');
  const next: Partial<TenantEntity> = {};
  if (input.name !== undefined) next.name = input.name;
  if (input.adminEmail !== undefined) next.adminEmail = normalizeEmail(input.adminEmail);
  if (input.adminName !== undefined) next.adminName = input.adminName;
  if (input.phone !== undefined) next.phone = input.phone;
  if (input.address !== undefined) next.address = input.address;
  if (input.domain !== undefined) next.domain = input.domain;
  if (input.settings) next.settings = patched(tenant.settings, input.settings);
  if (input.branding) next.branding = patched(tenant.branding, input.branding);
  const diff = changedFields(tenant as unknown as Record<string, unknown>, next as Record<string, unknown>);
  if (!diff) return toTenantView(tenant);
  ctx.em.assign(tenant, next);
  try {
    await ctx.em.flush();
  } catch (error) {
    // Row-level security hides other tenants' rows, so only the unique index knows a domain is taken.
    if (error instanceof UniqueConstraintViolationException && next.domain) throw domainTaken(next.domain);
    throw error;
  }
  audit(ctx, { action: 'tenant.updated', resourceType: 'tenant', resourceId: tenant.tenantUuid, details: diff });
  tenantChanged(ctx, 'profile');
  return toTenantView(tenant);
}

const domainTaken = (domain: string) =>
  new DomainError('CONFLICT', `The domain ${domain} is already used by another organization`, {
    fields: { domain: 'already in use' },
  });

// ── operators ───────────────────────────────────────────────────────────────────────────────────

export interface ListTenants {
  /** Matches name, slug, domain or admin email. */
  search?: string;
  tier?: TierName;
  trial?: boolean;
  active?: boolean;
  cursor?: string;
  limit: number;
}

/** Every tenant for operators (the tenants table is global): newest first, cursor-paginated. */
export async function listTenants(
  em: EntityManager,
  input: ListTenants,
): Promise<{ items: TenantView[]; nextCursor: string | null }> {
  const where: FilterQuery<TenantEntity> = {};
  if (input.tier) where.subscriptionTier = input.tier;
  if (input.trial !== undefined) where.isTrial = input.trial;
  if (input.active !== undefined) where.isActive = input.active;
  if (input.cursor) where.id = { $lt: decodeCursor(input.cursor) };
  if (input.search) {
    const pattern = `%${input.search.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
    where.$or = [
      { name: { $ilike: pattern } },
      { slug: { $ilike: pattern } },
      { domain: { $ilike: pattern } },
      { adminEmail: { $ilike: pattern } },
    ];
  }
  const rows = await em.find(Tenant, where, { orderBy: { id: 'desc' }, limit: input.limit + 1 });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    items: page.map(toTenantView),
    nextCursor: rows.length > input.limit && last ? Buffer.from(String(last.id)).toString('base64url') : null,
  };
}

function decodeCursor(cursor: string): number {
  const id = Number(Buffer.from(cursor, 'base64url').toString());
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new DomainError('BAD_REQUEST', 'Invalid cursor', {
      fields: { cursor: 'is not a cursor from a previous page' },
    });
  }
  return id;
}

/** Members and API keys of a suspended tenant are refused on their next request; data is kept. */
export async function suspendTenant(ctx: TenantContext, input: { reason: string }): Promise<TenantView> {
  const tenant = await thisTenant(ctx);
  if (!tenant.isActive) return toTenantView(tenant);
  tenant.isActive = false;
  tenant.suspendedAt = ctx.now;
  tenant.suspensionReason = input.reason;
  audit(ctx, {
    action: 'tenant.suspended',
    resourceType: 'tenant',
    resourceId: tenant.tenantUuid,
    details: { reason: input.reason, before: { isActive: true }, after: { isActive: false } },
  });
  tenantChanged(ctx, 'suspended');
  return toTenantView(tenant);
}

export async function reactivateTenant(ctx: TenantContext): Promise<TenantView> {
  const tenant = await thisTenant(ctx);
  if (tenant.isActive) return toTenantView(tenant);
  const reason = tenant.suspensionReason ?? null;
  tenant.isActive = true;
  tenant.suspendedAt = null;
  tenant.suspensionReason = null;
  audit(ctx, {
    action: 'tenant.reactivated',
    resourceType: 'tenant',
    resourceId: tenant.tenantUuid,
    details: { before: { isActive: false, suspensionReason: reason }, after: { isActive: true } },
  });
  tenantChanged(ctx, 'reactivated');
  return toTenantView(tenant);
}

// ── subscription ────────────────────────────────────────────────────────────────────────────────

export interface PlanChange {
  tier: TierName;
  monthlyPriceCents: number;
  limits: TierLimits;
}

/**
 * What keeps a tenant from fitting a plan's limits, each with what to do about it. Usage above the
 * new limits would otherwise be refused or alerted on right after the change.
 */
async function planMisfits(
  ctx: TenantContext,
  limits: TierLimits,
): Promise<{ limit: string; current: number; allowed: number; fix: string }[]> {
  const problems = [];
  const seats = await activeSeatCount(ctx.em, ctx.tenantId);
  if (limits.maxUsers !== null && seats > limits.maxUsers) {
    const excess = seats - limits.maxUsers;
    problems.push({
      limit: 'seats',
      current: seats,
      allowed: limits.maxUsers,
      fix: `deactivate or remove ${excess} member${excess === 1 ? '' : 's'}`,
    });
  }
  const storageGb = (await latestStorageBytes(ctx.em, ctx.tenantId)) / 1024 ** 3;
  if (storageGb > limits.storageLimitGb) {
    problems.push({
      limit: 'storage_gb',
      current: Math.round(storageGb * 100) / 100,
      allowed: limits.storageLimitGb,
      fix: `delete at least ${Math.ceil(storageGb - limits.storageLimitGb)} GB of data`,
    });
  }
  return problems;
}

/**
 * Moves the tenant to a plan in one unit of work: refuses a plan the tenant does not fit, converts a
 * trial, stores the new limits and recomputed features, writes the ledger entry (prorated for the
 * rest of the month) and the audit entry; caches drop after commit.
 */
export async function applyPlan(ctx: TenantContext, plan: PlanChange): Promise<TenantView> {
  const tenant = await lockTenantRow(ctx.em, ctx.tenantId);
  const problems = await planMisfits(ctx, plan.limits);
  if (problems.length > 0) {
    const what = problems.map((p) => `${p.limit}: ${p.current} used, ${p.allowed} allowed — ${p.fix}`).join('; ');
    throw new DomainError(
      'PRECONDITION_FAILED',
      `Your organization does not fit the ${TIERS[plan.tier].label} plan (${what})`,
      {
        details: { reason: 'plan_does_not_fit', tier: plan.tier, problems },
      },
    );
  }
  const previousPrice = tenant.isTrial ? 0 : await currentMonthlyPriceCents(ctx.em, tenant);
  const before = {
    subscriptionTier: tenant.subscriptionTier,
    isTrial: tenant.isTrial,
    maxUsers: tenant.maxUsers ?? null,
    storageLimitGb: tenant.storageLimitGb,
    apiRateLimit: tenant.apiRateLimit,
    monthlyPriceCents: previousPrice,
  };
  const rank = (tier: TierName) => TIER_NAMES.indexOf(tier);
  const kind: LedgerEntryKind = tenant.isTrial
    ? 'trial_conversion'
    : rank(plan.tier) > rank(tenant.subscriptionTier)
      ? 'upgrade'
      : rank(plan.tier) < rank(tenant.subscriptionTier)
        ? 'downgrade'
        : 'custom_plan';
  const fromTier = tenant.subscriptionTier;
  ctx.em.assign(tenant, {
    subscriptionTier: plan.tier,
    maxUsers: plan.limits.maxUsers,
    storageLimitGb: plan.limits.storageLimitGb,
    apiRateLimit: plan.limits.apiCallsPerHour,
    isTrial: false,
    trialEndsAt: null,
  });
  await ctx.em.flush();
  await recomputeFeatures(ctx, tenant);
  const entry = await billingProviderOf(ctx).recordSubscriptionChange(ctx, {
    kind,
    fromTier,
    toTier: plan.tier,
    monthlyPriceCents: plan.monthlyPriceCents,
    previousMonthlyPriceCents: previousPrice,
  });
  const after = {
    subscriptionTier: plan.tier,
    isTrial: false,
    maxUsers: plan.limits.maxUsers,
    storageLimitGb: plan.limits.storageLimitGb,
    apiRateLimit: plan.limits.apiCallsPerHour,
    monthlyPriceCents: plan.monthlyPriceCents,
  };
  audit(ctx, {
    action: 'subscription.changed',
    resourceType: 'tenant',
    resourceId: tenant.tenantUuid,
    details: {
      kind,
      ledgerEntryId: entry.id,
      proratedAmountCents: entry.proratedAmountCents,
      ...changedFields(before, after),
    },
  });
  tenantChanged(ctx, 'subscription');
  return toTenantView(tenant);
}

/**
 * Self-serve tier change by the tenant's billing admin, at catalog prices and limits. Enterprise is
 * priced per contract, so only an operator moves a tenant there (setPlan).
 */
export async function changeTier(ctx: TenantContext, input: { tier: TierName }): Promise<TenantView> {
  const tenant = await thisTenant(ctx);
  const price = TIERS[input.tier].monthlyPriceCents;
  if (price === null) {
    throw new DomainError('FORBIDDEN', `The ${TIERS[input.tier].label} plan is arranged with a platform operator`, {
      details: { reason: 'contract_tier', tier: input.tier },
    });
  }
  if (tenant.subscriptionTier === input.tier && !tenant.isTrial) {
    throw new DomainError('CONFLICT', `You are already on the ${TIERS[input.tier].label} plan`, {
      details: { reason: 'same_tier' },
    });
  }
  return applyPlan(ctx, { tier: input.tier, monthlyPriceCents: price, limits: TIERS[input.tier].limits });
}

/** What a self-serve tier change would do, shown before the admin confirms it; nothing is written. */
export interface TierChangePreview {
  fromTier: TierName;
  toTier: TierName;
  kind: LedgerEntryKind;
  isTrial: boolean;
  monthlyPriceCents: number;
  previousMonthlyPriceCents: number;
  /** Charged (positive) or credited (negative) for the rest of this billing month. */
  proratedAmountCents: number;
  periodEnd: Date;
  /** Why the organization would not fit the plan (a downgrade is then refused). */
  problems: Awaited<ReturnType<typeof planMisfits>>;
}

export async function previewTierChange(ctx: TenantContext, input: { tier: TierName }): Promise<TierChangePreview> {
  const tenant = await thisTenant(ctx);
  const price = TIERS[input.tier].monthlyPriceCents;
  if (price === null) {
    throw new DomainError('FORBIDDEN', `The ${TIERS[input.tier].label} plan is arranged with a platform operator`, {
      details: { reason: 'contract_tier', tier: input.tier },
    });
  }
  const previous = tenant.isTrial ? 0 : await currentMonthlyPriceCents(ctx.em, tenant);
  const rank = (tier: TierName) => TIER_NAMES.indexOf(tier);
  const kind: LedgerEntryKind = tenant.isTrial
    ? 'trial_conversion'
    : rank(input.tier) > rank(tenant.subscriptionTier)
      ? 'upgrade'
      : rank(input.tier) < rank(tenant.subscriptionTier)
        ? 'downgrade'
        : 'custom_plan';
  return {
    fromTier: tenant.subscriptionTier,
    toTier: input.tier,
    kind,
    isTrial: tenant.isTrial,
    monthlyPriceCents: price,
    previousMonthlyPriceCents: previous,
    proratedAmountCents: prorate(price - previous, ctx.now),
    periodEnd: billingMonth(ctx.now).end,
    problems: await planMisfits(ctx, TIERS[input.tier].limits),
  };
}

export interface SetPlan {
  tier: TierName;
  /** Required for a contract-priced tier (enterprise) unless one was set before. */
  monthlyPriceCents?: number;
  /** Contract limits; only for enterprise. Unset keys keep the tier's defaults. */
  limits?: Partial<TierLimits>;
}

/** The contract price on record, if the tenant is on that tier already. */
async function negotiatedPrice(ctx: TenantContext, tier: TierName): Promise<number | null> {
  const tenant = await thisTenant(ctx);
  if (tenant.subscriptionTier !== tier) return null;
  const [latest] = await ctx.em.find(
    LedgerEntry,
    { tenant: ctx.tenantId, toTier: tier },
    { orderBy: { createdAt: 'desc', id: 'desc' }, limit: 1 },
  );
  return latest?.monthlyPriceCents ?? null;
}

/** An operator sets any tier, and for enterprise a negotiated price and limits. */
export async function setPlan(ctx: TenantContext, input: SetPlan): Promise<TenantView> {
  const tier = TIERS[input.tier];
  const custom = tier.monthlyPriceCents === null;
  if (!custom && (input.monthlyPriceCents !== undefined || input.limits !== undefined)) {
    const field = input.monthlyPriceCents !== undefined ? 'monthlyPriceCents' : 'limits';
    throw new DomainError('BAD_REQUEST', `${tier.label} uses catalog prices and limits`, {
      fields: { [field]: `only the contract-priced tier takes a custom ${field === 'limits' ? 'limit' : 'price'}` },
    });
  }
  const price = input.monthlyPriceCents ?? tier.monthlyPriceCents ?? (await negotiatedPrice(ctx, input.tier));
  if (price === null) {
    throw new DomainError('BAD_REQUEST', `${tier.label} needs a negotiated monthly price`, {
      fields: { monthlyPriceCents: 'is required for this tier' },
    });
  }
  return applyPlan(ctx, { tier: input.tier, monthlyPriceCents: price, limits: { ...tier.limits, ...input.limits } });
}
