import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { useSmtpReceiver, useTestDatabase } from '@digame/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { type AppProcess, randomPrefix, startProcess, workerEnv } from './testing/processes.js';

const database = useTestDatabase();
const smtp = useSmtpReceiver();
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const running: AppProcess[] = [];

afterAll(async () => {
  await Promise.all(running.map((app) => app.stop('SIGKILL')));
});

/** Runs the worker's entry point until it exits; returns its exit code and stderr. */
function runWorker(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/worker/src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'silent', ...env },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('worker start-up', () => {
  const valid = () =>
    workerEnv({ databaseUrl: database.appUrl, prefix: randomPrefix('main'), smtpUrl: smtp.current.url });

  // Each case starts a process; they run side by side, and on a loaded 2-core machine four tsx
  // start-ups at once take ~25 s: a budget of their own, not the 30 s default.
  it.concurrent.each([
    ['SMTP_URL missing', { SMTP_URL: '' }, /^worker: configuration error: SMTP_URL: is required\n$/],
    ['SMTP_URL scheme', { SMTP_URL: 'http://mail' }, /^worker: configuration error: SMTP_URL: must start with smtp/],
    ['WORKER_CONCURRENCY', { WORKER_CONCURRENCY: '0' }, /^worker: configuration error: WORKER_CONCURRENCY: /],
    [
      'REDIS_URL unreachable',
      { REDIS_URL: 'redis://127.0.0.1:1' },
      /^worker: configuration error: REDIS_URL: cannot connect/,
    ],
  ])(
    'stops with one line naming the variable: %s',
    async (_case, override, message) => {
      const { code, stderr } = await runWorker({ ...valid(), ...override });
      expect(code).toBe(1);
      expect(stderr).toMatch(message);
    },
    60_000,
  );

  it('serves /healthz and Prometheus /metrics with queue depth', async () => {
    const worker = await startProcess('worker', valid());
    running.push(worker);
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    const metrics = await fetch(`${worker.url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toContain('# TYPE digame_job_duration_seconds histogram');
    expect(text).toMatch(/digame_queue_jobs\{queue="usage",state="delayed"\} \d+/);
  }, 60_000);
});
