import { QUEUES } from '@digame/core/jobs';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'] as const;

/** The part of a BullMQ queue the depth gauge reads. */
interface CountedQueue {
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

/** Prometheus metrics of one worker process: job durations and failures, queue depth. */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly durations: Histogram<'queue' | 'job' | 'outcome'>;
  private readonly failures: Counter<'queue' | 'job' | 'permanent'>;

  constructor(queue: (name: (typeof QUEUES)[number]) => CountedQueue) {
    this.durations = new Histogram({
      name: 'digame_job_duration_seconds',
      help: 'Time spent running a job attempt, by queue, job name and outcome',
      labelNames: ['queue', 'job', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    this.failures = new Counter({
      name: 'digame_job_failures_total',
      help: 'Failed job attempts; permanent="true" ones are not retried',
      labelNames: ['queue', 'job', 'permanent'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'digame_queue_jobs',
      help: 'Jobs per queue and state, read from Redis when scraped',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        for (const name of QUEUES) {
          const counts = await queue(name).getJobCounts(...QUEUE_STATES);
          for (const state of QUEUE_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
        }
      },
    });
  }

  observe(queue: string, job: string, seconds: number, failure: { permanent: boolean } | null): void {
    this.durations.observe({ queue, job, outcome: failure ? 'failed' : 'completed' }, seconds);
    if (failure) this.failures.inc({ queue, job, permanent: String(failure.permanent) });
  }
}
