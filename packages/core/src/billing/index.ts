export {
  type BillingSummary,
  billingSummary,
  currentMonthlyPriceCents,
  type InvoiceView,
  issueMonthlyInvoice,
  type LedgerEntryView,
  markOverdueInvoices,
  monthlyRecurringRevenueCents,
  recordInvoicePayment,
  toInvoiceView,
  toLedgerEntryView,
} from './billing.service.js';
export {
  type BillingProvider,
  billingProviderOf,
  ledgerBillingProvider,
  type PaymentOutcome,
  type SubscriptionChange,
} from './billing-provider.js';
export { INVOICE_STATUSES, Invoice, type InvoiceEntity, type InvoiceStatus } from './invoice.entity.js';
export {
  LEDGER_ENTRY_KINDS,
  LedgerEntry,
  type LedgerEntryEntity,
  type LedgerEntryKind,
} from './ledger-entry.entity.js';
export { billingMonth, periodOf, prorate } from './periods.js';
