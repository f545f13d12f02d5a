import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { uuidv7 } from '../db/ids.js';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { TIER_NAMES } from '../tenants/tiers.js';
import { User } from '../users/user.entity.js';

export const LEDGER_ENTRY_KINDS = ['upgrade', 'downgrade', 'trial_conversion', 'custom_plan'] as const;
export type LedgerEntryKind = (typeof LEDGER_ENTRY_KINDS)[number];

/**
 * One change of a tenant's subscription: the tier and monthly price from then on, and what the
 * change costs (or credits, when negative) for the rest of the current billing month.
 * Append-only history; the latest entry is the tenant's current price.
 */
export const LedgerEntry = defineEntity({
  name: 'LedgerEntry',
  tableName: 'tenant_billing_ledger',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    kind: p.enum([...LEDGER_ENTRY_KINDS]),
    fromTier: p.enum([...TIER_NAMES]).nullable(),
    toTier: p.enum([...TIER_NAMES]),
    monthlyPriceCents: p.integer(),
    /** The billing month the prorated amount covers: [periodStart, periodEnd). */
    periodStart: p.datetime(),
    periodEnd: p.datetime(),
    proratedAmountCents: p.integer(),
    createdBy: p.manyToOne(User).fieldName('created_by_user_id').nullable().deleteRule('set null'),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
  }),
  indexes: [{ properties: ['tenant', 'createdAt'] }],
});

export type LedgerEntryEntity = InferEntity<typeof LedgerEntry>;
