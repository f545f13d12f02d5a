import {
  billingSummary,
  INVOICE_STATUSES,
  issueMonthlyInvoice,
  LEDGER_ENTRY_KINDS,
  markOverdueInvoices,
  recordInvoicePayment,
} from '@digame/core/billing';
import { changeTier, previewTierChange, setPlan, TIER_NAMES } from '@digame/core/tenants';
import { z } from 'zod';
import { can, operatorProcedure, router } from '../trpc.js';
import { addressedTenantProcedure, isoDateTime, resolveTenant, tenantAddress } from './admin-common.js';
import { tenantOutput } from './tenant-schemas.js';

const invoiceOutput = z.object({
  id: z.uuid(),
  period: z.string(),
  amountCents: z.number().int(),
  status: z.enum(INVOICE_STATUSES),
  issuedAt: isoDateTime,
  dueAt: isoDateTime,
  paidAt: isoDateTime.nullable(),
});

const ledgerEntryOutput = z.object({
  id: z.uuid(),
  kind: z.enum(LEDGER_ENTRY_KINDS),
  fromTier: z.enum(TIER_NAMES).nullable(),
  toTier: z.enum(TIER_NAMES),
  monthlyPriceCents: z.number().int(),
  periodStart: isoDateTime,
  periodEnd: isoDateTime,
  proratedAmountCents: z.number().int(),
  createdAt: isoDateTime,
});

const operatorTarget = {
  tenantId: z.uuid(),
  reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500),
};
const cents = z.number().int().min(0).max(100_000_000);

export const billingRouter = router({
  /** Plan, price, MRR, ledger and invoices. */
  summary: addressedTenantProcedure('billing.read')
    .input(z.strictObject(tenantAddress).optional())
    .output(
      z.object({
        tier: z.enum(TIER_NAMES),
        isTrial: z.boolean(),
        trialEndsAt: isoDateTime.nullable(),
        monthlyPriceCents: z.number().int(),
        mrrCents: z.number().int(),
        ledger: z.array(ledgerEntryOutput),
        invoices: z.array(invoiceOutput),
      }),
    )
    .query(({ ctx }) => ctx.run(billingSummary)),

  /**
   * What `changeTier` would do, for the confirmation step: the new price, the prorated charge or
   * credit for the rest of the month, and anything that keeps the organization from fitting.
   */
  previewTierChange: can('billing.manage')
    .input(z.strictObject({ tier: z.enum(TIER_NAMES) }))
    .output(
      z.object({
        fromTier: z.enum(TIER_NAMES),
        toTier: z.enum(TIER_NAMES),
        kind: z.enum(LEDGER_ENTRY_KINDS),
        isTrial: z.boolean(),
        monthlyPriceCents: z.number().int(),
        previousMonthlyPriceCents: z.number().int(),
        proratedAmountCents: z.number().int(),
        periodEnd: isoDateTime,
        problems: z.array(z.object({ limit: z.string(), current: z.number(), allowed: z.number(), fix: z.string() })),
      }),
    )
    .query(({ ctx, input }) => ctx.run((sc) => previewTierChange(sc, input))),

  /**
   * Upgrade or downgrade at catalog prices (converts a trial). A downgrade the organization does not
   * fit is refused with what to fix.
   */
  changeTier: can('billing.manage')
    .input(z.strictObject({ tier: z.enum(TIER_NAMES) }))
    .output(tenantOutput)
    .mutation(({ ctx, input }) => ctx.run((sc) => changeTier(sc, input))),

  /** Operators: any tier, and for enterprise a negotiated monthly price and limits. */
  setPlan: operatorProcedure
    .input(
      z.strictObject({
        ...operatorTarget,
        tier: z.enum(TIER_NAMES),
        monthlyPriceCents: cents.optional(),
        limits: z
          .strictObject({
            // Bounded below PostgreSQL's integer columns (a larger one was a 500 found by the fuzz test).
            maxUsers: z.number().int().min(1).max(1_000_000).nullable().optional(),
            storageLimitGb: z.number().int().min(1).max(1_000_000).optional(),
            apiCallsPerHour: z.number().int().min(1).max(1_000_000_000).optional(),
          })
          .optional(),
      }),
    )
    .output(tenantOutput)
    .mutation(async ({ ctx, input: { tenantId, reason, ...plan } }) =>
      ctx.runAsOperator(await resolveTenant(ctx, tenantId), reason, (sc) => setPlan(sc, plan)),
    ),

  /** Operators: issue a month's invoice (idempotent; null when nothing is owed, e.g. on trial). */
  issueInvoice: operatorProcedure
    .input(
      z.strictObject({
        ...operatorTarget,
        period: z
          .string()
          .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM')
          .optional(),
      }),
    )
    .output(invoiceOutput.nullable())
    .mutation(async ({ ctx, input }) =>
      ctx.runAsOperator(await resolveTenant(ctx, input.tenantId), input.reason, (sc) =>
        issueMonthlyInvoice(sc, input.period),
      ),
    ),

  /** Operators: the outcome of collecting an invoice. */
  recordPayment: operatorProcedure
    .input(z.strictObject({ ...operatorTarget, invoiceId: z.uuid(), outcome: z.enum(['paid', 'failed']) }))
    .output(invoiceOutput)
    .mutation(async ({ ctx, input }) =>
      ctx.runAsOperator(await resolveTenant(ctx, input.tenantId), input.reason, (sc) =>
        recordInvoicePayment(sc, { invoiceId: input.invoiceId, outcome: input.outcome }),
      ),
    ),

  /** Operators: open or failed invoices past due become overdue. */
  markOverdue: operatorProcedure
    .input(z.strictObject(operatorTarget))
    .output(z.object({ overdue: z.number().int() }))
    .mutation(async ({ ctx, input }) => ({
      overdue: await ctx.runAsOperator(await resolveTenant(ctx, input.tenantId), input.reason, markOverdueInvoices),
    })),
});
