import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { testServices, useTestDatabase } from '@digame/core/testing';
import { afterAll, describe, expect, it } from 'vitest';

const database = useTestDatabase();
const apiDir = fileURLToPath(new URL('..', import.meta.url));
/**
 * `node --import tsx` runs the api in this very process. The tsx CLI would fork a child and, on
 * SIGTERM, give it 30 ms to acknowledge before SIGKILLing it (exit 143): too short on a loaded machine.
 */
const spawnApi = (env: NodeJS.ProcessEnv) =>
  spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: apiDir, env });
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function baseEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: database.appUrl,
    REDIS_URL: testServices().redisUrl,
    JWT_SECRET: 'a-test-secret-that-is-long-enough-for-hs256',
    LOG_LEVEL: 'silent',
  };
}

/** Runs the api's real entry point and collects what it prints until it exits. */
function runApi(env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnApi(env);
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => reject(new Error(`api did not exit; stderr: ${stderr}`)), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('api start-up', () => {
  it.each([
    ['PORT', { PORT: 'eighty' }, /^api: configuration error: PORT: /],
    ['DATABASE_URL missing', { DATABASE_URL: '' }, /^api: configuration error: DATABASE_URL: is required$/],
    [
      'DATABASE_URL scheme',
      { DATABASE_URL: 'mysql://x@y/z' },
      /^api: configuration error: DATABASE_URL: must start with postgres/,
    ],
    ['REDIS_URL', { REDIS_URL: 'not a url' }, /^api: configuration error: REDIS_URL: must be a URL/],
    ['JWT_SECRET', { JWT_SECRET: 'short' }, /^api: configuration error: JWT_SECRET: must be at least 32 characters$/],
    [
      'WEB_DIST_DIR',
      { WEB_DIST_DIR: '/nonexistent/console' },
      /^api: configuration error: WEB_DIST_DIR: must be a folder with a built console/,
    ],
  ])('stops with one line naming the variable for an invalid %s', async (_name, override, expected) => {
    const { code, stderr } = await runApi({ ...baseEnv(), ...override });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr.trim()).toMatch(expected);
  });

  it('stops with one line when PostgreSQL is unreachable', async () => {
    const port = await freePort();
    const { code, stderr } = await runApi({
      ...baseEnv(),
      DATABASE_URL: `postgres://digame_app:x@127.0.0.1:${port}/digame`,
    });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('api: configuration error: DATABASE_URL: cannot connect to PostgreSQL (ECONNREFUSED)');
  });

  it('stops with one line when Redis is unreachable', async () => {
    const port = await freePort();
    const { code, stderr } = await runApi({ ...baseEnv(), REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('api: configuration error: REDIS_URL: cannot connect to Redis (ECONNREFUSED)');
  });

  it('refuses a Redis whose maxmemory-policy is not noeviction', async () => {
    const port = await freePort();
    const redis = spawn('redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--maxmemory-policy',
      'allkeys-lru',
    ]);
    children.push(redis);
    await new Promise<void>((resolve) =>
      redis.stdout.on('data', (chunk) => String(chunk).includes('Ready to accept') && resolve()),
    );
    const { code, stderr } = await runApi({ ...baseEnv(), REDIS_URL: `redis://127.0.0.1:${port}` });
    redis.kill();
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(
      /^api: configuration error: REDIS_URL: Redis maxmemory-policy is "allkeys-lru"; set it to noeviction/,
    );
  });

  it('serves /healthz on PORT when everything is in order', async () => {
    const port = await freePort();
    const child = spawnApi({ ...baseEnv(), PORT: String(port) });
    children.push(child);
    // Until it says ok: on a loaded machine the first answers may still report a dependency as slow.
    let body: { status?: string } | undefined;
    for (let attempt = 0; attempt < 100 && body?.status !== 'ok'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      body = await fetch(`http://127.0.0.1:${port}/healthz`)
        .then((response) => response.json() as Promise<{ status?: string }>)
        .catch(() => undefined);
    }
    expect(body).toMatchObject({ status: 'ok', postgres: { ok: true }, redis: { ok: true } });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
