import { DomainError } from '../errors/domain-error.js';
import type { TenantContext } from '../services/context.js';
import type { TierName } from '../tenants/tiers.js';
import { Invoice, type InvoiceEntity } from './invoice.entity.js';
import { LedgerEntry, type LedgerEntryEntity, type LedgerEntryKind } from './ledger-entry.entity.js';
import { billingMonth, previousPeriod, prorate } from './periods.js';

export interface SubscriptionChange {
  kind: LedgerEntryKind;
  fromTier: TierName | null;
  toTier: TierName;
  /** Monthly price from now on. */
  monthlyPriceCents: number;
  /** Monthly price paid so far this month (0 during a trial). */
  previousMonthlyPriceCents: number;
}

export type PaymentOutcome = 'paid' | 'failed';

/**
 * Where subscription changes and invoices go. The built-in implementation keeps them in PostgreSQL
 * (ledger + invoices); an external processor would implement the same calls and mirror its state
 * into those tables, which the rest of the product (billing views, health scores) reads.
 */
export interface BillingProvider {
  recordSubscriptionChange(ctx: TenantContext, change: SubscriptionChange): Promise<LedgerEntryEntity>;
  /** The invoice of a month ('YYYY-MM'); issuing twice returns the first. Null when nothing is owed. */
  issueMonthlyInvoice(ctx: TenantContext, period: string, monthlyPriceCents: number): Promise<InvoiceEntity | null>;
  recordPayment(ctx: TenantContext, invoiceId: string, outcome: PaymentOutcome): Promise<InvoiceEntity>;
  /** Open or failed invoices past their due date become overdue; returns how many did. */
  markOverdue(ctx: TenantContext): Promise<number>;
}

const PAYMENT_TERMS_DAYS = 14;

/** The built-in ledger: every change prorated to the end of the UTC calendar month. */
export const ledgerBillingProvider: BillingProvider = {
  async recordSubscriptionChange(ctx, change) {
    const { start, end } = billingMonth(ctx.now);
    const entry = ctx.em.create(LedgerEntry, {
      tenant: ctx.tenantId,
      kind: change.kind,
      fromTier: change.fromTier,
      toTier: change.toTier,
      monthlyPriceCents: change.monthlyPriceCents,
      periodStart: start,
      periodEnd: end,
      proratedAmountCents: prorate(change.monthlyPriceCents - change.previousMonthlyPriceCents, ctx.now),
      createdBy: ctx.actor.userId,
    });
    await ctx.em.flush();
    return entry;
  },

  async issueMonthlyInvoice(ctx, period, monthlyPriceCents) {
    const existing = await ctx.em.findOne(Invoice, { tenant: ctx.tenantId, period });
    if (existing) return existing;
    // Changes made during the previous month were prorated; they are settled on this invoice.
    const adjustments = await ctx.em.find(LedgerEntry, {
      tenant: ctx.tenantId,
      periodStart: billingMonth(previousPeriod(period)).start,
    });
    const amountCents = Math.max(
      0,
      monthlyPriceCents + adjustments.reduce((sum, entry) => sum + entry.proratedAmountCents, 0),
    );
    if (amountCents === 0) return null;
    const invoice = ctx.em.create(Invoice, {
      tenant: ctx.tenantId,
      period,
      amountCents,
      status: 'open',
      issuedAt: ctx.now,
      dueAt: new Date(ctx.now.getTime() + PAYMENT_TERMS_DAYS * 86_400_000),
    });
    await ctx.em.flush();
    return invoice;
  },

  async recordPayment(ctx, invoiceId, outcome) {
    const invoice = await ctx.em.findOne(Invoice, { tenant: ctx.tenantId, id: invoiceId });
    if (!invoice) throw new DomainError('NOT_FOUND', 'Invoice not found');
    if (invoice.status === 'paid') {
      throw new DomainError('CONFLICT', 'This invoice is already paid', { details: { reason: 'invoice_paid' } });
    }
    invoice.status = outcome;
    invoice.paidAt = outcome === 'paid' ? ctx.now : null;
    return invoice;
  },

  async markOverdue(ctx) {
    const due = await ctx.em.find(Invoice, {
      tenant: ctx.tenantId,
      status: { $in: ['open', 'failed'] },
      dueAt: { $lt: ctx.now },
    });
    for (const invoice of due) invoice.status = 'overdue';
    return due.length;
  },
};

export function billingProviderOf(ctx: TenantContext): BillingProvider {
  return ctx.deps.billing ?? ledgerBillingProvider;
}
