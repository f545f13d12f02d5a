import { coreEnvSchema, parseEnv, portSchema } from '@digame/core/config';
import type { z } from 'zod';

export const workerEnvSchema = coreEnvSchema.extend({
  /** Port of the worker's own /healthz (and later /metrics); it serves nothing else. */
  WORKER_PORT: portSchema.default(3001),
});

export type WorkerConfig = z.infer<typeof workerEnvSchema>;

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return parseEnv(workerEnvSchema, env);
}
