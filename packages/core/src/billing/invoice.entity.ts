import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { uuidv7 } from '../db/ids.js';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';

/** open → paid, or failed (payment attempt refused); open or failed past due_at → overdue. */
export const INVOICE_STATUSES = ['open', 'paid', 'failed', 'overdue'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/**
 * A monthly invoice of the built-in ledger. Kept deliberately plain: the health score reads it as
 * the tenant's payment history. One invoice per tenant and month (`period` = 'YYYY-MM').
 */
export const Invoice = defineEntity({
  name: 'Invoice',
  tableName: 'tenant_invoices',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    period: p.string().length(7),
    amountCents: p.integer(),
    status: p.enum([...INVOICE_STATUSES]).default('open'),
    issuedAt: p.datetime(),
    dueAt: p.datetime(),
    paidAt: p.datetime().nullable(),
  }),
  uniques: [{ properties: ['tenant', 'period'] }],
});

export type InvoiceEntity = InferEntity<typeof Invoice>;
