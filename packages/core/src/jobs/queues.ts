import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOBS, type JobName, type JobPayload, type QueueName } from './definitions.js';

export interface EnqueueOptions {
  /** Deterministic id where duplicates are possible: BullMQ keeps one job per id. */
  jobId?: string;
  delayMs?: number;
}

/** Jobs per addBulk call: one MULTI of this many adds keeps each Redis reply (and its memory) bounded. */
const BULK_CHUNK = 1_000;

/** The producer side of the job registry; one instance per process, sharing its Redis connection. */
export class JobQueues {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
  ) {}

  queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      // A queue first used while Redis is down would otherwise wait for Redis to return before its
      // first add (BullMQ waits for "ready", then reads the server version), holding the request
      // that enqueues for the whole outage. Without the wait, an add fails at once on the shared
      // fail-fast connection and the outbox keeps the job. The version is checked where it matters:
      // by the worker's own (blocking) connections.
      queue = new Queue(name, {
        connection: this.connection,
        prefix: this.prefix,
        skipWaitingForReady: true,
        skipVersionCheck: true,
      });
      // A lost connection shows in failed adds and /healthz; BullMQ would print each error otherwise.
      queue.on('error', () => {});
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Validates the payload against the job's schema, then enqueues it with the job's options. */
  async enqueue<N extends JobName>(name: N, payload: JobPayload<N>, options: EnqueueOptions = {}): Promise<void> {
    const definition = JOBS[name];
    const data = definition.payload.parse(payload);
    await this.queue(definition.queue).add(name, data, {
      ...definition.options,
      ...(options.jobId ? { jobId: options.jobId.replaceAll(':', '_') } : {}),
      ...(options.delayMs ? { delay: options.delayMs } : {}),
    });
  }

  /**
   * Enqueues many jobs of one name with BullMQ's addBulk, a few round trips per thousand jobs rather
   * than one per job: scheduled fan-outs over every tenant use this. Payloads are validated first,
   * so an invalid one enqueues nothing.
   */
  async enqueueMany<N extends JobName>(
    name: N,
    jobs: readonly { payload: JobPayload<N>; options?: EnqueueOptions }[],
  ): Promise<void> {
    const definition = JOBS[name];
    const prepared = jobs.map(({ payload, options = {} }) => ({
      name,
      data: definition.payload.parse(payload),
      opts: {
        ...definition.options,
        ...(options.jobId ? { jobId: options.jobId.replaceAll(':', '_') } : {}),
        ...(options.delayMs ? { delay: options.delayMs } : {}),
      },
    }));
    const queue = this.queue(definition.queue);
    for (let start = 0; start < prepared.length; start += BULK_CHUNK) {
      await queue.addBulk(prepared.slice(start, start + BULK_CHUNK));
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }
}
