import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testServices } from '@digame/core/testing';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const randomPrefix = (tag: string) => `{test-${tag}-${randomBytes(4).toString('hex')}}`;

/** A real api or worker process started from its entry point, as deployments run it. */
export interface AppProcess {
  name: string;
  child: ChildProcess;
  url: string;
  /** What it printed, for failure messages. */
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `tsx <app>/src/main.ts` with this environment and waits until /healthz answers. */
export async function startProcess(
  app: 'api' | 'worker',
  env: Record<string, string>,
  options: { name?: string; timeoutMs?: number } = {},
): Promise<AppProcess> {
  const port = await freePort();
  // `node --import tsx` runs the app in this very process (the tsx CLI would fork a child that a
  // SIGKILL of the parent leaves running), so a test's signal reaches the app itself.
  const child = spawn(process.execPath, ['--import', 'tsx', `apps/${app}/src/main.ts`], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      ...(app === 'api' ? { PORT: String(port) } : { WORKER_PORT: String(port) }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${app} exited during start-up:\n${output}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${app} did not become healthy:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    name: options.name ?? app,
    child,
    url,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Environment of a worker process for a test database and Redis prefix. */
export function workerEnv(input: {
  databaseUrl: string;
  prefix: string;
  smtpUrl: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    DATABASE_URL: input.databaseUrl,
    REDIS_URL: testServices().redisUrl,
    REDIS_PREFIX: input.prefix,
    SMTP_URL: input.smtpUrl,
    MAIL_FROM: 'Digame <no-reply@digame.test>',
    APP_URL: 'http://localhost:5173',
    WORKER_LOCK_SECONDS: '2',
    WORKER_SHUTDOWN_GRACE_SECONDS: '10',
    // Scheduled ticks stay out of the way unless a test asks for them.
    USAGE_FLUSH_EVERY_SECONDS: '3600',
    USAGE_MEASURE_EVERY_SECONDS: '3600',
    TRIALS_SCAN_EVERY_SECONDS: '3600',
    HEALTH_SCORE_EVERY_SECONDS: '3600',
    // Never the checkout's own .data/files: a test that needs stored files passes a test bucket in extra.
    FILE_STORAGE_DIR: path.join(os.tmpdir(), `digame-worker-files-${input.prefix.replace(/[^A-Za-z0-9-]/g, '')}`),
    ...input.extra,
  };
}

/** Polls until `check` returns a value other than undefined, or fails after the timeout. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  { timeoutMs = 20_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * One bounded step of a process test: awaits `work`, or fails after `ms` with a message naming the
 * step, what `progress` says about it, and the last lines the processes printed. A process test
 * that hangs then says where, instead of running into the test's own timeout.
 */
export async function phase<T>(
  what: string,
  ms: number,
  work: () => Promise<T>,
  { processes = [], progress }: { processes?: readonly AppProcess[]; progress?: () => string } = {},
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const state = progress ? ` (${progress()})` : '';
      const outputs = processes.map((app) => `\n--- ${app.name} output (tail) ---\n${app.output().slice(-3_000)}`);
      reject(new Error(`phase "${what}" did not finish within ${ms} ms${state}${outputs.join('')}`));
    }, ms);
  });
  try {
    return await Promise.race([work(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
