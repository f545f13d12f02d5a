import { afterAll, beforeAll } from 'vitest';
import { loadWorkerConfig } from '../config.js';
import { type RunningWorker, startWorker } from '../runtime.js';
import { workerEnv } from './processes.js';

/** A worker running inside the test process (for tests that do not need to kill it). */
export function useInProcessWorker(
  input: () => { databaseUrl: string; prefix: string; smtpUrl: string; extra?: Record<string, string> },
): {
  readonly current: RunningWorker;
} {
  let worker: RunningWorker | undefined;
  beforeAll(async () => {
    worker = await startWorker(loadWorkerConfig({ ...workerEnv(input()), LOG_LEVEL: 'silent' }));
  });
  afterAll(async () => {
    await worker?.close();
  });
  return {
    get current() {
      if (!worker) throw new Error('the worker starts in beforeAll');
      return worker;
    },
  };
}
