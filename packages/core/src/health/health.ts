import type { Redis } from 'ioredis';
import { ConfigError } from '../config/env.js';
import type { Database } from '../db/database.js';

export interface DependencyStatus {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  /** The dependencies that did not answer, by name; empty when all is well. */
  down: ('postgres' | 'redis')[];
  postgres: DependencyStatus;
  redis: DependencyStatus;
}

const CHECK_TIMEOUT_MS = 2_000;

async function timed(check: () => Promise<unknown>): Promise<DependencyStatus> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    // The reason is for operators; it never carries credentials (URLs are not part of driver errors here).
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: message.slice(0, 200) };
  } finally {
    clearTimeout(timer);
  }
}

/** What /healthz reports on api and worker: each dependency answered, and how fast. */
export async function checkHealth(deps: { db: Database; redis: Redis }): Promise<HealthReport> {
  const [postgres, redis] = await Promise.all([timed(() => deps.db.ping()), timed(() => deps.redis.ping())]);
  const down = [...(postgres.ok ? [] : ['postgres' as const]), ...(redis.ok ? [] : ['redis' as const])];
  return { status: down.length === 0 ? 'ok' : 'degraded', down, postgres, redis };
}

/** Start-up check: an unreachable database stops the process with a line naming the variable. */
export async function verifyDatabase(db: Database): Promise<void> {
  const reasonOf = (error: unknown) => (error as { code?: string; message?: string }).code ?? (error as Error).message;
  try {
    await db.pingApp();
  } catch (error) {
    throw new ConfigError('DATABASE_URL', `cannot connect to PostgreSQL (${reasonOf(error)})`);
  }
  try {
    await db.pingGlobal();
  } catch (error) {
    throw new ConfigError('DATABASE_GLOBAL_URL', `cannot connect to PostgreSQL (${reasonOf(error)})`);
  }
}
