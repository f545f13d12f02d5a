import { DomainError } from '@digame/core/errors';
import { QUEUES } from '@digame/core/jobs';
import { z } from 'zod';
import { operatorProcedure, router } from '../trpc.js';

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

const failureOutput = z.object({
  id: z.string(),
  name: z.string(),
  /** The public id of the tenant the job was about, when its payload names one. */
  tenantId: z.uuid().nullable(),
  reason: z.string(),
  attemptsMade: z.number(),
  failedAt: z.string().nullable(),
});

export const operationsRouter = router({
  /**
   * Platform operators: each queue's job counts and its most recent failures (BullMQ keeps failed
   * jobs for 7 days). Payloads are not returned: they may hold addresses and links.
   */
  queues: operatorProcedure
    .input(z.object({ failures: z.number().int().min(1).max(100).default(20) }).default({ failures: 20 }))
    .output(
      z.object({
        queues: z.array(
          z.object({
            name: z.enum(QUEUES),
            counts: z.record(z.enum(STATES), z.number()),
            recentFailures: z.array(failureOutput),
          }),
        ),
      }),
    )
    .query(async ({ ctx, input }) => ({
      queues: await Promise.all(
        QUEUES.map(async (name) => {
          const queue = ctx.jobs.queue(name);
          const [counts, failed] = await Promise.all([
            queue.getJobCounts(...STATES),
            queue.getFailed(0, input.failures - 1),
          ]);
          return {
            name,
            counts: Object.fromEntries(STATES.map((state) => [state, counts[state] ?? 0])) as Record<
              (typeof STATES)[number],
              number
            >,
            recentFailures: await Promise.all(
              failed.map(async (job) => {
                const tenantId = (job.data as { tenantId?: unknown } | undefined)?.tenantId;
                const tenant = typeof tenantId === 'number' ? await ctx.tenants.get(tenantId) : null;
                return {
                  id: String(job.id),
                  name: job.name,
                  tenantId: tenant?.uuid ?? null,
                  reason: job.failedReason ?? '',
                  attemptsMade: job.attemptsMade,
                  failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
                };
              }),
            ),
          };
        }),
      ),
    })),

  /** Platform operators: run a failed job again from its first step (it keeps its id and payload). */
  retry: operatorProcedure
    .input(z.strictObject({ queue: z.enum(QUEUES), jobId: z.string().min(1).max(200) }))
    .output(z.object({ retried: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      const job = await ctx.jobs.queue(input.queue).getJob(input.jobId);
      if (!job || !(await job.isFailed())) {
        throw new DomainError('NOT_FOUND', 'No failed job with this id in that queue');
      }
      await job.retry('failed');
      return { retried: true as const };
    }),
});
