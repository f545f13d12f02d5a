// `npm start`: install if needed, start private PostgreSQL/Redis/mail sink (.data/dev, reused on the
// next run), migrate and seed, then run api, worker and the web dashboard until Ctrl-C.
// Env: PORT (api, 3000), WORKER_PORT (3001), WEB_PORT (5173), APP_URL, JWT_SECRET, MFA_ENCRYPTION_KEY,
// SETTINGS_ENCRYPTION_KEYS (else generated once into .data/dev); DATABASE_URL + DATABASE_MIGRATION_URL, REDIS_URL, SMTP_URL to use servers of
// your own instead.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { ensureDependencies, pnpm, pnpmArgv } from './lib/deps.mjs';
import { ROOT, SetupError, sleep, spawnTracked, stopAll } from './lib/proc.mjs';
import { ensureServices } from './lib/services.mjs';

const PORT = process.env.PORT ?? '3000';
const WORKER_PORT = process.env.WORKER_PORT ?? '3001';
const WEB_PORT = process.env.WEB_PORT ?? '5173';
const apiUrl = `http://127.0.0.1:${PORT}`;
const webUrl = `http://localhost:${WEB_PORT}`;

let services; // set once the databases run, so shutdown can stop them
let running = false; // all children started: a signal now means "shut down"
let interrupted = false; // a signal came while still setting up
let stopping = null;

function shutdown(code) {
  stopping ??= (async () => {
    await stopAll(); // the apps first, while the databases they talk to are still up
    await services?.stop();
    process.exit(code);
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (stopping) return;
    console.log(`\n${signal}: stopping…`);
    if (running) return void shutdown(0);
    // Mid-setup: stop the step in progress; main() notices and shuts down in order.
    interrupted = true;
    stopAll();
  });
}

const PNPM_NOISE = /^\s*$|ELIFECYCLE|ERR_PNPM_RECURSIVE_RUN_FIRST_FAIL|"pnpm recursive run" failed/;

// One colour per child, so interleaved output stays readable.
const COLORS = { api: 36, worker: 35, web: 32 };

/** Start `pnpm <args>` as a named child whose output lines are prefixed with its name. */
function launch(name, args, env) {
  const [cmd, ...argv] = pnpmArgv(args);
  const child = spawnTracked(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tag = process.stdout.isTTY ? `\x1b[${COLORS[name]}m${name.padEnd(6)}|\x1b[0m ` : `${name.padEnd(6)}| `;
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      // When we stop the children, pnpm reports each as failed: that is noise, not news.
      if (stopping && PNPM_NOISE.test(line)) return;
      out.write(`${tag}${line}\n`);
    });
  }
  child.done.then(({ code, signal }) => {
    if (stopping) return;
    console.error(`${name} exited unexpectedly (${signal ?? `exit code ${code}`}): stopping everything.`);
    shutdown(1);
  });
  return child;
}

/**
 * The api's keys (token signing, MFA secrets, secret settings): taken from the environment when set,
 * else generated once into .data/dev/secrets.json, so sign-ins and encrypted data survive restarts.
 */
function devSecrets() {
  const file = path.join(ROOT, '.data/dev/secrets.json');
  const stored = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  const generated = {
    JWT_SECRET: stored.JWT_SECRET ?? randomBytes(48).toString('base64'),
    MFA_ENCRYPTION_KEY: stored.MFA_ENCRYPTION_KEY ?? randomBytes(32).toString('base64'),
    SETTINGS_ENCRYPTION_KEYS: stored.SETTINGS_ENCRYPTION_KEYS ?? `dev1:${randomBytes(32).toString('base64')}`,
  };
  fs.writeFileSync(file, JSON.stringify(generated, null, 2), { mode: 0o600 });
  return Object.fromEntries(Object.entries(generated).map(([name, value]) => [name, process.env[name] || value]));
}

async function healthy(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

async function main() {
  const step = async (fn) => {
    const result = await fn();
    if (interrupted) throw new Error('interrupted');
    return result;
  };
  await step(ensureDependencies);
  services = await ensureServices({ dataDir: '.data/dev' });
  if (interrupted) return shutdown(0);

  const env = {
    ...process.env,
    ...services.env,
    NODE_ENV: 'development',
    PORT,
    WORKER_PORT,
    WEB_PORT,
    API_URL: apiUrl, // where Vite proxies /trpc, /api and /healthz
    APP_URL: process.env.APP_URL ?? webUrl, // links in mails point at the dashboard
    ...devSecrets(),
    ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}), // children write to a pipe, we to the terminal
  };
  await step(() => pnpm(['--filter', '@digame/core', 'run', 'migrate'], { env }));
  await step(() => pnpm(['--filter', '@digame/core', 'run', 'seed'], { env }));

  launch('api', ['--filter', '@digame/api', 'run', 'start'], env);
  launch('worker', ['--filter', '@digame/worker', 'run', 'start'], env);
  // --port/--strictPort: the dashboard must be where we say it is, not on the next free port.
  launch('web', ['--filter', '@digame/web', 'run', 'dev', '--port', WEB_PORT, '--strictPort'], env);
  running = true;
  if (interrupted) return shutdown(0);

  const deadline = Date.now() + 180_000;
  while (!(await healthy(`${apiUrl}/healthz`))) {
    if (stopping) return;
    if (Date.now() > deadline) {
      console.error(`The api did not answer ${apiUrl}/healthz with 200 within 3 minutes.`);
      return shutdown(1);
    }
    await sleep(500);
  }
  console.log(
    [
      '',
      'Digame is running:',
      `  dashboard  ${webUrl}`,
      `  api        http://localhost:${PORT}  (worker: http://localhost:${WORKER_PORT}/healthz)`,
      `  mail       ${services.env.MAIL_SINK_URL ? `${services.env.MAIL_SINK_URL}/messages` : services.env.SMTP_URL}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  if (interrupted) return shutdown(0);
  // Expected failures (missing binary, failed migration) are one message, not a stack trace.
  console.error(err instanceof SetupError || err.exitCode ? err.message : err.stack);
  return shutdown(1);
});
