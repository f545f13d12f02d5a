/**
 * The worker process (pinned with the servers): how fast it drains a burst of email jobs (claim,
 * SMTP to the sink, confirm) and of metering jobs (usage.measure), enqueued in bulk. Compared with
 * the api's peak rate of tenant writes, each of which may cause one job: below 1, a burst of writes
 * builds a queue that drains after the burst.
 */
import { randomBytes } from 'node:crypto';
import { JOBS } from '../packages/core/src/jobs/definitions.js';
import type { JobQueues } from '../packages/core/src/jobs/queues.js';
import { freePort, type Server, waitForHttp } from './lib/processes.js';

export interface WorkerRow {
  job: string;
  jobs: number;
  perSecond: number;
  ratio: number | null;
}

async function drain(jobs: JobQueues, queue: 'emails' | 'usage', add: () => Promise<unknown>, count: number) {
  const q = jobs.queue(queue);
  const countsOf = async () => {
    const c = await q.getJobCounts('completed', 'failed');
    return (c.completed ?? 0) + (c.failed ?? 0);
  };
  const before = await countsOf();
  const started = performance.now();
  await add();
  const deadline = Date.now() + 120_000;
  while ((await countsOf()) - before < count) {
    if (Date.now() > deadline) throw new Error(`${queue}: jobs did not drain within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return count / ((performance.now() - started) / 1000);
}

export async function workerThroughput(options: {
  quick: boolean;
  env: NodeJS.ProcessEnv;
  deps: { jobs: JobQueues };
  tenantId: number;
  apiPeakPerSecond: number;
  startServer(name: string, entry: string, env: NodeJS.ProcessEnv): Promise<Server>;
}): Promise<WorkerRow[]> {
  const port = await freePort();
  const worker = await options.startServer('worker', 'apps/worker/src/main.ts', {
    ...options.env,
    WORKER_PORT: String(port),
  });
  await waitForHttp(`http://127.0.0.1:${port}/healthz`);
  const { jobs } = options.deps;
  const run = randomBytes(3).toString('hex');
  const emails = options.quick ? 200 : 1000;
  const measures = options.quick ? 100 : 500;
  const emailRate = await drain(
    jobs,
    'emails',
    () =>
      jobs.queue('emails').addBulk(
        Array.from({ length: emails }, (_, i) => ({
          name: 'email.send',
          data: JOBS['email.send'].payload.parse({
            tenantId: options.tenantId,
            to: `bench-${i}@bench.test`,
            dedupeKey: `bench:${run}:${i}`,
            template: 'trial_ended',
            data: { tenantName: 'Bench', outcome: 'converted_to_basic' },
          }),
          opts: JOBS['email.send'].options,
        })),
      ),
    emails,
  );
  const measureRate = await drain(
    jobs,
    'usage',
    () =>
      jobs.queue('usage').addBulk(
        Array.from({ length: measures }, (_, i) => ({
          name: 'usage.measure',
          data: { tenantId: options.tenantId },
          opts: { ...JOBS['usage.measure'].options, jobId: `bench_${run}_${i}` },
        })),
      ),
    measures,
  );
  await worker.stop();
  const ratio = (rate: number) => (options.apiPeakPerSecond > 0 ? rate / options.apiPeakPerSecond : null);
  return [
    { job: 'email.send (claim, SMTP, confirm)', jobs: emails, perSecond: emailRate, ratio: ratio(emailRate) },
    { job: 'usage.measure (metering)', jobs: measures, perSecond: measureRate, ratio: ratio(measureRate) },
  ];
}
