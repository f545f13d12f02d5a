// Private PostgreSQL, Redis and mail sink for `npm start` / `npm test`, started from the system's
// binaries when no URL is configured. Data, ports and passwords live in <dataDir> so a second run
// reuses them. Plain Node only (runs before `pnpm install`), except the sink, which runs after it.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT, run, SetupError, sleep, spawnTracked, stopChild } from './proc.mjs';
import { startS3 } from './s3.mjs';
import { ensurePrograms, findExecutable, findPostgres } from './system.mjs';

/**
 * Provide PostgreSQL, Redis and an SMTP sink. Returns { env, stop }: env holds DATABASE_URL,
 * DATABASE_MIGRATION_URL, REDIS_URL, SMTP_URL and MAIL_SINK_URL; stop() stops only what this call
 * started. `fast` turns off fsync for throwaway test data; `s3` adds an S3 protocol server (S3_* env).
 */
export async function ensureServices({ dataDir, fast = false, s3 = false }) {
  const dir = path.resolve(ROOT, dataDir);
  const env = {};
  const usePg = !(process.env.DATABASE_URL && process.env.DATABASE_MIGRATION_URL);
  const useRedis = !process.env.REDIS_URL;
  const useSink = !process.env.SMTP_URL;
  const useS3 = s3 && !process.env.S3_ENDPOINT;
  if (!usePg) Object.assign(env, pick(process.env, 'DATABASE_URL', 'DATABASE_MIGRATION_URL'));
  if (!useRedis) env.REDIS_URL = process.env.REDIS_URL;
  if (!useSink) Object.assign(env, pick(process.env, 'SMTP_URL', 'MAIL_SINK_URL'));
  if (s3 && !useS3) Object.assign(env, pick(process.env, ...S3_VARIABLES));

  // Find (or install) every binary before starting anything: a missing one fails at once and leaves
  // nothing running.
  await ensurePrograms([...(usePg ? ['postgres'] : []), ...(useRedis ? ['redis'] : [])]);
  const pgBin = usePg ? findPostgres() : null;
  const redisBin = useRedis ? findExecutable('redis-server') : null;

  fs.mkdirSync(dir, { recursive: true });
  const state = new State(path.join(dir, 'services.json'));
  const stops = [];
  let stopped;
  const stop = () => {
    // Newest first: the sink and Redis before PostgreSQL. Safe to call twice.
    stopped ??= (async () => {
      for (const fn of stops.reverse()) await fn().catch((err) => console.error(err.message));
    })();
    return stopped;
  };
  try {
    const ports = new Set(); // ports handed out in this call, so two services never get the same one
    for (const [wanted, start] of [
      [usePg, () => startPostgres(pgBin, dir, state, ports, fast)],
      [useRedis, () => startRedis(redisBin, dir, state, ports)],
      [useSink, () => startSink(dir, state, ports)],
      [useS3, () => startS3(dir, state, ports, { pickPort, waitFor, spawnService, stopChild })],
    ]) {
      if (!wanted) continue;
      const service = await start();
      Object.assign(env, service.env);
      if (service.stop) stops.push(service.stop);
    }
    return { env, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

const S3_VARIABLES = ['S3_ENDPOINT', 'S3_REGION', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_FORCE_PATH_STYLE'];

// ---------------------------------------------------------------- PostgreSQL

async function startPostgres(bin, dir, state, ports, fast) {
  const pg = state.section('postgres');
  pg.superPassword ??= secret();
  pg.ownerPassword ??= secret();
  pg.appPassword ??= secret();
  state.save();
  const pgdata = path.join(dir, 'postgres');
  const logFile = path.join(dir, 'postgres.log');
  // initdb and pg_ctl refuse to run as root: then they run as the postgres system user.
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? systemUser('postgres') : null;
  const tool = (name, args, opts = {}) => {
    const exe = path.join(bin, name);
    // cwd inside dir: the postgres user may not be allowed into the caller's cwd (e.g. /root).
    const o = { capture: true, cwd: dir, ...opts };
    return asRoot ? run('runuser', ['-u', 'postgres', '--', exe, ...args], o) : run(exe, args, o);
  };
  if (owner) makeTraversable(dir);

  let started = false;
  let { port, socketDir, pid } = livePostmaster(pgdata) ?? {};
  if (pid) {
    // Left running by an earlier run on the same data (e.g. one that was killed): use it, leave it be.
    console.log(`PostgreSQL: reusing the server already running on ${rel(pgdata)} (pid ${pid}).`);
  } else {
    if (!fs.existsSync(path.join(pgdata, 'PG_VERSION'))) await initdb(tool, pgdata, pg, owner);
    port = await pickPort(pg.port, ports);
    // Unix socket paths are limited to ~107 bytes; fall back to /tmp for deep checkouts.
    socketDir = path.join(dir, 'postgres-run');
    if (socketDir.length > 80) socketDir = path.join('/tmp', `digame-pg-${hash(dir)}`);
    fs.mkdirSync(socketDir, { recursive: true, mode: 0o700 });
    fs.closeSync(fs.openSync(logFile, 'a'));
    if (owner) for (const p of [socketDir, logFile]) fs.chownSync(p, owner.uid, owner.gid);
    // pg_ctl hands these to a shell: quote the folder, which may contain spaces.
    const options = [`-p ${port}`, `-k '${socketDir}'`, '-c listen_addresses=127.0.0.1'];
    // Test data is throwaway: skipping fsync makes the per-test-file CREATE DATABASE much cheaper.
    if (fast) options.push('-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off');
    try {
      await tool('pg_ctl', ['-D', pgdata, '-o', options.join(' '), '-l', logFile, '-w', '-t', '60', 'start']);
    } catch {
      throw new SetupError(`PostgreSQL did not start; the end of ${rel(logFile)}:\n${tail(logFile)}`);
    }
    started = true;
  }
  pg.port = port;
  ports.add(port);
  state.save();

  const stop = started ? () => tool('pg_ctl', ['-D', pgdata, '-m', 'fast', '-w', 'stop']) : null;
  try {
    const psql = path.join(bin, 'psql');
    const conn = ['-X', '-q', '-h', socketDir, '-p', String(port), '-U', 'postgres', '-v', 'ON_ERROR_STOP=1'];
    await waitFor('PostgreSQL', () =>
      run(psql, [...conn, '-c', 'SELECT 1'], { capture: true }).then(
        () => true,
        () => false,
      ),
    );
    // As superuser over the socket (trust): idempotent roles and database, passwords from services.json.
    await run(psql, [...conn, '-d', 'postgres', '-f', '-'], { capture: true, input: provisionSql(pg) });
  } catch (err) {
    await stop?.();
    throw err;
  }
  console.log(`PostgreSQL: 127.0.0.1:${port} (data ${rel(pgdata)})`);
  const url = (user, password) => `postgres://${user}:${password}@127.0.0.1:${port}/digame`;
  return {
    env: {
      DATABASE_URL: url('digame_app', pg.appPassword),
      DATABASE_MIGRATION_URL: url('digame_owner', pg.ownerPassword),
    },
    stop,
  };
}

async function initdb(tool, pgdata, pg, owner) {
  console.log(`PostgreSQL: creating a new cluster in ${rel(pgdata)}…`);
  fs.rmSync(pgdata, { recursive: true, force: true }); // a half-made folder from an interrupted initdb
  fs.mkdirSync(pgdata, { recursive: true, mode: 0o700 });
  const pwfile = path.join(path.dirname(pgdata), '.postgres-pw');
  fs.writeFileSync(pwfile, `${pg.superPassword}\n`, { mode: 0o600 });
  if (owner) for (const p of [pgdata, pwfile]) fs.chownSync(p, owner.uid, owner.gid);
  try {
    await tool('initdb', [
      ...['-D', pgdata, '-U', 'postgres', '--pwfile', pwfile],
      ...['--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C'],
    ]);
  } catch (err) {
    throw new SetupError(`initdb failed: ${err.message}`);
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

/** { pid, port, socketDir } of a postmaster that is alive for this data folder, else null. */
function livePostmaster(pgdata) {
  let lines;
  try {
    lines = fs.readFileSync(path.join(pgdata, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  if (!isAlive(pid, 'postgres')) return null; // stale file: pg_ctl start copes with it
  return { pid, port: Number(lines[3]), socketDir: lines[4] };
}

// Passwords are hex (see secret()), so they can sit in SQL literals and URLs without escaping.
const provisionSql = (pg) => `
SELECT 'CREATE ROLE digame_owner' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'digame_owner')\\gexec
SELECT 'CREATE ROLE digame_app' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'digame_app')\\gexec
SELECT 'CREATE ROLE digame_lifecycle' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'digame_lifecycle')\\gexec
SELECT 'CREATE ROLE digame_app_global' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'digame_app_global')\\gexec
-- The owner runs migrations and creates the per-test-file databases.
ALTER ROLE digame_owner WITH LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOBYPASSRLS PASSWORD '${pg.ownerPassword}';
-- The runtime role: owns nothing and cannot bypass row-level security.
ALTER ROLE digame_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION PASSWORD '${pg.appPassword}';
-- Prunes audit entries past retention and purges offboarded tenants: no login, owns no table; only
-- the SECURITY DEFINER functions the migrations give it run as it. The owner hands them over to it.
ALTER ROLE digame_lifecycle WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;
GRANT digame_lifecycle TO digame_owner;
-- The role of global units of work (sign-in, sign-up, operator listings, the outbox sweeper), so a
-- tenant unit's connection reaches no other tenant's rows; the default DATABASE_GLOBAL_URL uses it.
ALTER ROLE digame_app_global WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION PASSWORD '${pg.appPassword}';
-- Other connections' query text (pg_stat_activity) is for the superuser only: in template1, so every
-- database made later (the test template and its clones) starts that way, and in digame below.
\\connect template1
${HIDE_ACTIVITY_SQL}
\\connect postgres
SELECT 'CREATE DATABASE digame OWNER digame_owner' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'digame')\\gexec
ALTER DATABASE digame OWNER TO digame_owner;
REVOKE ALL ON DATABASE digame FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE digame TO digame_app, digame_app_global;
\\connect digame
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO digame_owner;
${HIDE_ACTIVITY_SQL}
`;

/**
 * PostgreSQL shows the query text of a role's other connections to that role: a tenant unit of work
 * could read what other tenants' units are running. The activity views and functions are for the
 * superuser (and pg_read_all_stats members) only.
 */
const HIDE_ACTIVITY_SQL = `
REVOKE SELECT ON pg_catalog.pg_stat_activity FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pg_catalog.pg_stat_get_activity(integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pg_catalog.pg_stat_get_backend_activity(integer) FROM PUBLIC;
`;

function systemUser(name) {
  try {
    const id = (flag) =>
      Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new SetupError(`Running as root needs a "${name}" system user to run PostgreSQL (initdb refuses root).`);
  }
}

/** The postgres user must be able to walk down to <dataDir>: add o+x (not read) where missing. */
function makeTraversable(dir) {
  for (let d = dir; ; d = path.dirname(d)) {
    const { mode } = fs.statSync(d);
    if (!(mode & 0o001)) {
      console.log(`PostgreSQL: allowing the postgres user to pass through ${d} (chmod o+x).`);
      fs.chmodSync(d, mode | 0o001);
    }
    if (d === path.dirname(d)) break;
  }
}

// ---------------------------------------------------------------- Redis

async function startRedis(bin, dir, state, ports) {
  const redis = state.section('redis');
  const redisDir = path.join(dir, 'redis');
  const pidFile = path.join(redisDir, 'redis.pid');
  fs.mkdirSync(redisDir, { recursive: true });
  const url = (port) => ({ REDIS_URL: `redis://127.0.0.1:${port}` });
  const leftover = readPid(pidFile);
  if (isAlive(leftover, 'redis') && redis.port && (await redisPing(redis.port))) {
    // Left running by an earlier run on the same data (two servers must never share one AOF).
    console.log(`Redis: reusing the server already running on ${rel(redisDir)} (pid ${leftover}).`);
    ports.add(redis.port);
    return { env: url(redis.port) };
  }
  redis.port = await pickPort(redis.port, ports);
  state.save();
  const logFile = path.join(dir, 'redis.log');
  // noeviction: BullMQ and rate limits must never lose keys silently. AOF, no RDB snapshots.
  const args = [
    ...['--port', String(redis.port), '--bind', '127.0.0.1', '--dir', redisDir],
    ...['--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--save', '', '--daemonize', 'no'],
    ...['--pidfile', pidFile],
  ];
  const child = spawnService(bin, args, logFile);
  await waitFor('Redis', () => redisPing(redis.port), { child, logFile });
  console.log(`Redis: 127.0.0.1:${redis.port} (data ${rel(redisDir)})`);
  return { env: url(redis.port), stop: () => stopChild(child) };
}

/** PING over a raw socket (no client library before install); true on +PONG. */
function redisPing(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG')); // -LOADING while the AOF replays
    });
    socket.on('error', () => done(false));
  });
}

// ---------------------------------------------------------------- mail sink

async function startSink(dir, state, ports) {
  const mail = state.section('mail');
  mail.smtpPort = await pickPort(mail.smtpPort, ports);
  mail.httpPort = await pickPort(mail.httpPort, ports);
  state.save();
  const logFile = path.join(dir, 'mail-sink.log');
  const sinkUrl = `http://127.0.0.1:${mail.httpPort}`;
  const child = spawnService(process.execPath, [path.join(ROOT, 'scripts/mail-sink.mjs')], logFile, {
    SMTP_PORT: String(mail.smtpPort),
    HTTP_PORT: String(mail.httpPort),
    MAIL_SINK_DIR: dir,
  });
  const answers = () =>
    fetch(`${sinkUrl}/messages`).then(
      (res) => res.ok,
      () => false,
    );
  await waitFor('Mail sink', answers, { child, logFile });
  console.log(`Mail sink: smtp://127.0.0.1:${mail.smtpPort}, messages at ${sinkUrl}/messages`);
  return {
    env: { SMTP_URL: `smtp://127.0.0.1:${mail.smtpPort}`, MAIL_SINK_URL: sinkUrl },
    stop: () => stopChild(child),
  };
}

// ---------------------------------------------------------------- helpers

/** A long-running server in its own process group (Ctrl-C is ours to handle), output to a log file. */
function spawnService(cmd, args, logFile, extraEnv = {}) {
  const log = fs.openSync(logFile, 'a');
  // Not tracked: these belong to ensureServices' stop(), which runs after the apps have stopped.
  const child = spawnTracked(cmd, args, {
    track: false,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...extraEnv },
  });
  fs.closeSync(log);
  return child;
}

/** Poll `check` until true; fail early if `child` exits, or after `timeoutMs`. */
async function waitFor(what, check, { child, logFile, timeoutMs = 30_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child?.done.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited) {
      const why = child.exitCode ?? child.signalCode ?? 'spawn failed';
      throw new SetupError(`${what} exited during start-up (${why}); the end of ${rel(logFile)}:\n${tail(logFile)}`);
    }
    if (await check()) return;
    if (Date.now() > deadline) {
      await (child && stopChild(child));
      throw new SetupError(
        `${what} did not answer within ${timeoutMs / 1000}s${logFile ? `; see ${rel(logFile)}` : ''}.`,
      );
    }
    await sleep(200);
  }
}

/** The stored port when it is still free, else a fresh one from the kernel (bind :0, release). */
async function pickPort(preferred, taken) {
  if (preferred && !taken.has(preferred) && (await listenOn(preferred))) {
    taken.add(preferred);
    return preferred;
  }
  for (;;) {
    const port = await listenOn(0);
    if (port && !taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
}

/** Bind 127.0.0.1:port and release it; resolves the port, or null when it is in use. */
function listenOn(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => {
      const bound = server.address().port;
      server.close(() => resolve(bound));
    });
  });
}

/** Whether `pid` is a live process whose name contains `name` (guards against a recycled pid). */
function isAlive(pid, name) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code !== 'EPERM') return false;
  }
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(name);
  } catch {
    return true; // no /proc (not Linux): trust kill(0)
  }
}

function readPid(file) {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

/** <dataDir>/services.json: ports and generated passwords, private to the user (0600). */
class State {
  constructor(file) {
    this.file = file;
    try {
      this.data = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      this.data = {};
    }
  }
  section(name) {
    this.data[name] ??= {};
    return this.data[name];
  }
  save() {
    fs.writeFileSync(this.file, `${JSON.stringify(this.data, null, 2)}\n`, { mode: 0o600 });
    fs.chmodSync(this.file, 0o600); // mode above applies only when the file is created
  }
}

const secret = () => randomBytes(18).toString('hex');
const hash = (text) => createHash('sha1').update(text).digest('hex').slice(0, 10);
const rel = (p) => path.relative(process.cwd(), p) || '.';
const pick = (obj, ...keys) => Object.fromEntries(keys.filter((k) => obj[k]).map((k) => [k, obj[k]]));

function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
