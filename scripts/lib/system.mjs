// The system programs `npm start` and `npm test` run (PostgreSQL, Redis, Chromium, poppler's pdftoppm): where they are,
// and installing the missing ones where that needs no questions — Debian or Ubuntu with apt-get, as
// root or with passwordless sudo. Anywhere else the error names the one command to run.
// Plain Node only: runs before `pnpm install`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { run, SetupError } from './proc.mjs';

/** The PostgreSQL server's bin folder (postgres, initdb, pg_ctl, psql), or null. */
export function findPostgres() {
  const has = (bin) => ['postgres', 'initdb', 'pg_ctl', 'psql'].every((f) => fs.existsSync(path.join(bin, f)));
  try {
    const bin = execFileSync('pg_config', ['--bindir'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (has(bin)) return bin;
  } catch {
    // No pg_config (it comes with libpq-dev): look where Debian installs the servers.
  }
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => /^\d+$/.test(v)) : [];
  for (const version of versions.sort((a, b) => b - a)) {
    if (has(path.join(base, version, 'bin'))) return path.join(base, version, 'bin');
  }
  return null;
}

/** An executable on PATH or in the usual system folders, or null. */
export function findExecutable(name) {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/local/bin']) {
    const exe = path.join(dir || '.', name);
    try {
      fs.accessSync(exe, fs.constants.X_OK);
      return exe;
    } catch {}
  }
  return null;
}

/**
 * What each program is called, how to tell it is there, and the Debian packages that bring it.
 * `packages` is a list of alternatives tried in order: Debian 12 has postgresql-15 (the version
 * the project is tested with); other releases get their default `postgresql`.
 */
export const PROGRAMS = {
  postgres: {
    label: 'PostgreSQL server',
    find: findPostgres,
    packages: [['postgresql-15', 'postgresql']],
    otherwise: 'or set DATABASE_URL and DATABASE_MIGRATION_URL, or run "docker compose up"',
  },
  redis: {
    label: 'redis-server',
    find: () => findExecutable('redis-server'),
    packages: [['redis-server']],
    otherwise: 'or set REDIS_URL, or run "docker compose up"',
  },
  chromium: {
    label: 'Chromium (for the browser tests)',
    find: () => process.env.CHROMIUM_PATH || findExecutable('chromium'),
    // Fonts: text in screenshots is readable.
    packages: [['chromium'], ['fonts-liberation']],
    otherwise: 'or set CHROMIUM_PATH',
  },
  pdftoppm: {
    label: 'pdftoppm and pdftotext (the monthly report test renders and reads its PDF)',
    find: () => findExecutable('pdftoppm'),
    packages: [['poppler-utils']],
    otherwise: 'or leave out apps/worker/src/monthly-report.test.ts',
  },
};

/** This machine, as far as installing goes. */
export function describeHost() {
  let osRelease = '';
  try {
    osRelease = fs.readFileSync('/etc/os-release', 'utf8');
  } catch {}
  const field = (name) => new RegExp(`^${name}="?([^"\\n]*)"?$`, 'm').exec(osRelease)?.[1] ?? '';
  const family = `${field('ID')} ${field('ID_LIKE')}`;
  const root = process.getuid?.() === 0;
  let sudo = false;
  if (!root && findExecutable('sudo')) {
    try {
      execFileSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 5000 });
      sudo = true;
    } catch {
      // sudo would ask for a password: we never do.
    }
  }
  return {
    platform: process.platform,
    debian: process.platform === 'linux' && /\b(debian|ubuntu)\b/.test(family),
    apt: Boolean(findExecutable('apt-get')),
    root,
    sudo,
  };
}

/**
 * The plan for installing `missing` (keys of PROGRAMS) on `host`: `install` true when it can be done
 * without asking anything, with the apt-get command lines; else `command`, the one line for a person.
 * Pure, so the decision is tested without touching the machine.
 */
export function installPlan(missing, host) {
  const packages = missing.flatMap((name) => PROGRAMS[name].packages.map((alternatives) => alternatives[0]));
  if (host.debian && host.apt && (host.root || host.sudo)) {
    return { install: true, aptGet: host.root ? ['apt-get'] : ['sudo', '-n', 'apt-get'], packages };
  }
  const sudo = host.root ? '' : 'sudo ';
  if (host.debian) return { install: false, command: `${sudo}apt-get install -y ${packages.join(' ')}` };
  if (host.platform === 'darwin') {
    const brew = { postgres: 'postgresql@15', redis: 'redis', chromium: '--cask chromium', pdftoppm: 'poppler' };
    return { install: false, command: `brew install ${missing.map((name) => brew[name]).join(' ')}` };
  }
  return { install: false, command: `install ${missing.map((name) => PROGRAMS[name].label).join(', ')}` };
}

/**
 * Makes sure the programs `names` are there: installs the missing ones after saying so in one line,
 * or fails with the one command that would. `DIGAME_ASSUME_MISSING=redis,...` treats those as
 * missing whatever is installed (to exercise this path on a machine that has everything).
 */
export async function ensurePrograms(names, { host = describeHost } = {}) {
  const assumed = (process.env.DIGAME_ASSUME_MISSING ?? '').split(',').filter(Boolean);
  const missing = names.filter((name) => assumed.includes(name) || !PROGRAMS[name].find());
  if (missing.length === 0) return;
  const labels = missing.map((name) => PROGRAMS[name].label).join(', ');
  const plan = installPlan(missing, host());
  if (!plan.install) {
    const otherwise = missing.map((name) => PROGRAMS[name].otherwise).join('; ');
    throw new SetupError(`Not found: ${labels}. Install with: ${plan.command}  (${otherwise})`);
  }
  const [aptGet, ...aptArgs] = plan.aptGet;
  // Another apt-get (an update, or a second checkout's npm test) may hold dpkg's lock: wait for it.
  const apt = (args) =>
    run(aptGet, [...aptArgs, '-o', 'DPkg::Lock::Timeout=300', ...args], {
      capture: true,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  await apt(['update', '-qq']).catch((err) => {
    throw new SetupError(`apt-get update failed while installing ${labels}:\n${err.message}`);
  });
  const packages = await Promise.all(
    missing.flatMap((name) => PROGRAMS[name].packages.map((alternatives) => firstAvailable(alternatives))),
  );
  console.log(`Installing ${labels}: apt-get install -y ${packages.join(' ')}…`);
  await apt(['install', '-y', '-qq', '--no-install-recommends', ...packages]).catch((err) => {
    throw new SetupError(`apt-get install ${packages.join(' ')} failed:\n${err.message}`);
  });
  const still = missing.filter((name) => !PROGRAMS[name].find());
  if (still.length > 0) {
    throw new SetupError(`Installed ${packages.join(' ')}, but still no ${still.map((n) => PROGRAMS[n].label)}.`);
  }
}

/** The first package apt knows a candidate for (apt-cache reads without root). */
async function firstAvailable(alternatives) {
  for (const name of alternatives.slice(0, -1)) {
    const policy = await run('apt-cache', ['policy', name], { capture: true }).catch(() => '');
    if (/Candidate: (?!\(none\))/.test(policy)) return name;
  }
  return alternatives.at(-1);
}
