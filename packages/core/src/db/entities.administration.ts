import { Invoice } from '../billing/invoice.entity.js';
import { LedgerEntry } from '../billing/ledger-entry.entity.js';
import { FeatureOverride } from '../features/feature-override.entity.js';

/** Entities added for issue 4 (tenant administration). Tenant-scoped unless listed as global. */
export const ADMINISTRATION_ENTITIES = {
  global: [] as const,
  tenantScoped: [FeatureOverride, LedgerEntry, Invoice] as const,
};
