import type { EntityManager } from '@mikro-orm/postgresql';
import { audit } from '../audit/audit.js';
import type { TenantContext } from '../services/context.js';
import { Tenant, type TenantEntity } from '../tenants/tenant.entity.js';
import { TIERS, type TierName } from '../tenants/tiers.js';
import { billingProviderOf, type PaymentOutcome } from './billing-provider.js';
import { Invoice, type InvoiceEntity, type InvoiceStatus } from './invoice.entity.js';
import { LedgerEntry, type LedgerEntryEntity } from './ledger-entry.entity.js';
import { periodOf } from './periods.js';

/**
 * The monthly price the tenant pays on its tier: the latest ledger entry's (which carries any
 * custom enterprise price), else the catalog's. Enterprise without a negotiated price is 0.
 */
export async function currentMonthlyPriceCents(em: EntityManager, tenant: TenantEntity): Promise<number> {
  const [latest] = await em.find(
    LedgerEntry,
    { tenant: tenant.id },
    { orderBy: { createdAt: 'desc', id: 'desc' }, limit: 1 },
  );
  if (latest && latest.toTier === tenant.subscriptionTier) return latest.monthlyPriceCents;
  return TIERS[tenant.subscriptionTier as TierName].monthlyPriceCents ?? 0;
}

/** Monthly recurring revenue of a tenant: what it pays per month, 0 on trial or while suspended. */
export async function monthlyRecurringRevenueCents(em: EntityManager, tenant: TenantEntity): Promise<number> {
  if (tenant.isTrial || !tenant.isActive) return 0;
  return currentMonthlyPriceCents(em, tenant);
}

export interface LedgerEntryView {
  id: string;
  kind: LedgerEntryEntity['kind'];
  fromTier: TierName | null;
  toTier: TierName;
  monthlyPriceCents: number;
  periodStart: Date;
  periodEnd: Date;
  proratedAmountCents: number;
  createdAt: Date;
}

export interface InvoiceView {
  id: string;
  period: string;
  amountCents: number;
  status: InvoiceStatus;
  issuedAt: Date;
  dueAt: Date;
  paidAt: Date | null;
}

export const toLedgerEntryView = (entry: LedgerEntryEntity): LedgerEntryView => ({
  id: entry.id,
  kind: entry.kind,
  fromTier: entry.fromTier ?? null,
  toTier: entry.toTier,
  monthlyPriceCents: entry.monthlyPriceCents,
  periodStart: entry.periodStart,
  periodEnd: entry.periodEnd,
  proratedAmountCents: entry.proratedAmountCents,
  createdAt: entry.createdAt,
});

export const toInvoiceView = (invoice: InvoiceEntity): InvoiceView => ({
  id: invoice.id,
  period: invoice.period,
  amountCents: invoice.amountCents,
  status: invoice.status,
  issuedAt: invoice.issuedAt,
  dueAt: invoice.dueAt,
  paidAt: invoice.paidAt ?? null,
});

export interface BillingSummary {
  tier: TierName;
  isTrial: boolean;
  trialEndsAt: Date | null;
  monthlyPriceCents: number;
  mrrCents: number;
  ledger: LedgerEntryView[];
  invoices: InvoiceView[];
}

/** The tenant's plan, price, MRR and history (latest first). */
export async function billingSummary(ctx: TenantContext): Promise<BillingSummary> {
  const tenant = await ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId });
  const ledger = await ctx.em.find(
    LedgerEntry,
    { tenant: ctx.tenantId },
    { orderBy: { createdAt: 'desc', id: 'desc' }, limit: 50 },
  );
  const invoices = await ctx.em.find(Invoice, { tenant: ctx.tenantId }, { orderBy: { period: 'desc' }, limit: 24 });
  return {
    tier: tenant.subscriptionTier,
    isTrial: tenant.isTrial,
    trialEndsAt: tenant.trialEndsAt ?? null,
    monthlyPriceCents: await currentMonthlyPriceCents(ctx.em, tenant),
    mrrCents: await monthlyRecurringRevenueCents(ctx.em, tenant),
    ledger: ledger.map(toLedgerEntryView),
    invoices: invoices.map(toInvoiceView),
  };
}

/** Issues this month's invoice (or the given month's) for what the tenant pays; trials owe nothing. */
export async function issueMonthlyInvoice(ctx: TenantContext, period = periodOf(ctx.now)): Promise<InvoiceView | null> {
  const tenant = await ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId });
  const price = await monthlyRecurringRevenueCents(ctx.em, tenant);
  const existing = await ctx.em.findOne(Invoice, { tenant: ctx.tenantId, period });
  const invoice = await billingProviderOf(ctx).issueMonthlyInvoice(ctx, period, price);
  if (!invoice) return null;
  if (!existing) {
    audit(ctx, {
      action: 'invoice.issued',
      resourceType: 'invoice',
      resourceId: invoice.id,
      details: { period, amountCents: invoice.amountCents },
    });
  }
  return toInvoiceView(invoice);
}

/** An operator records the outcome of collecting an invoice. */
export async function recordInvoicePayment(
  ctx: TenantContext,
  input: { invoiceId: string; outcome: PaymentOutcome },
): Promise<InvoiceView> {
  const before = await ctx.em.findOne(Invoice, { tenant: ctx.tenantId, id: input.invoiceId });
  const statusBefore = before?.status;
  const invoice = await billingProviderOf(ctx).recordPayment(ctx, input.invoiceId, input.outcome);
  audit(ctx, {
    action: input.outcome === 'paid' ? 'invoice.paid' : 'invoice.payment_failed',
    resourceType: 'invoice',
    resourceId: invoice.id,
    details: { before: { status: statusBefore }, after: { status: invoice.status }, amountCents: invoice.amountCents },
  });
  return toInvoiceView(invoice);
}

/** Open or failed invoices past due become overdue (the health score's payment input). */
export async function markOverdueInvoices(ctx: TenantContext): Promise<number> {
  const count = await billingProviderOf(ctx).markOverdue(ctx);
  if (count > 0) audit(ctx, { action: 'invoice.overdue', resourceType: 'invoice', details: { count } });
  return count;
}
