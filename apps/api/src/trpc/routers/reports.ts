import { listMonthlyReports, MONTH_PATTERN, monthlyReportPdf } from '@digame/core/reports';
import { z } from 'zod';
import { can, requireFeature, router } from '../trpc.js';
import { isoDateTime } from './admin-common.js';

const reporting = requireFeature(can('analytics.read'), 'advanced_reporting');
const month = z.string().regex(MONTH_PATTERN, 'must be a month such as 2026-11');

/** Advanced reporting (enterprise): monthly PDF reports rendered by the worker. */
export const reportsRouter = router({
  /** Queues the month's report; `report.ready` arrives on the live stream when it is stored. */
  generate: reporting
    .input(z.strictObject({ month }))
    .output(z.object({ queued: z.literal(true), month: z.string() }))
    .mutation(({ ctx, input }) =>
      ctx.run(async (sc) => {
        sc.enqueue('reports.monthly', { tenantId: sc.tenantId, month: input.month });
        return { queued: true as const, month: input.month };
      }),
    ),

  list: reporting
    .input(z.void())
    .output(z.array(z.object({ month: z.string(), byteSize: z.number(), generatedAt: isoDateTime })))
    .query(({ ctx }) => ctx.run(listMonthlyReports)),

  /** The stored PDF, base64-encoded. */
  download: reporting
    .input(z.strictObject({ month }))
    .output(z.object({ filename: z.string(), contentType: z.literal('application/pdf'), base64: z.string() }))
    .query(({ ctx, input }) =>
      ctx.run(async (sc) => ({
        filename: `${ctx.tenant.slug}-report-${input.month}.pdf`,
        contentType: 'application/pdf' as const,
        base64: (await monthlyReportPdf(sc, input.month)).toString('base64'),
      })),
    ),
});
