import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { migrate } from '@digame/core/db';
import { freePort } from './processes.js';

const exec = promisify(execFile);

/**
 * A PostgreSQL cluster of a test's own, with the roles of scripts/lib/services.mjs and migrated like production's, so the test can stop and start
 * it without touching the suite's shared server. fsync is off (test data; a stop is a process
 * crash, not a power cut, so the WAL in the page cache survives it and recovery still replays it).
 */
export interface OwnPostgres {
  /** The migration owner's URL of its `digame` database. */
  ownerUrl: string;
  /** The runtime role's URL (no ownership, no BYPASSRLS), as the api and worker use it. */
  appUrl: string;
  /** `immediate` is a crash: no checkpoint, open transactions die, recovery replays the WAL on start. */
  stop(mode?: 'immediate' | 'fast'): Promise<void>;
  /** Starts it again on the same port and data; resolves once it accepts connections. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

function postgresBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)) : [];
  for (const version of versions.sort((a, b) => Number(b) - Number(a))) {
    const bin = join(base, version, 'bin');
    if (existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  throw new Error('no PostgreSQL server found under /usr/lib/postgresql (npm test installs it)');
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'digame-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  // initdb and pg_ctl refuse to run as root: then they run as the postgres system user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const [uid, gid] = await Promise.all(
      ['-u', '-g'].map(async (flag) => Number((await exec('id', [flag, 'postgres'])).stdout)),
    );
    chownSync(dir, uid as number, gid as number);
  }
  const tool = (name: string, args: string[]) =>
    asRoot
      ? exec('runuser', ['-u', 'postgres', '--', join(bin, name), ...args], { cwd: dir })
      : exec(join(bin, name), args, { cwd: dir });
  const ownerPassword = randomBytes(16).toString('hex');
  const appPassword = randomBytes(16).toString('hex');

  await tool('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  const start = async () => {
    const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off'];
    await tool('pg_ctl', [
      '-D',
      data,
      '-o',
      options.join(' '),
      '-l',
      join(dir, 'postgres.log'),
      '-w',
      '-t',
      '60',
      'start',
    ]);
  };
  const stop = async (mode: 'immediate' | 'fast' = 'immediate') => {
    await tool('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  };
  await start();
  const provision = `
CREATE ROLE digame_owner LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS PASSWORD '${ownerPassword}';
CREATE ROLE digame_app LOGIN NOSUPERUSER NOCREATEDB NOBYPASSRLS PASSWORD '${appPassword}';
CREATE ROLE digame_app_global LOGIN NOSUPERUSER NOCREATEDB NOBYPASSRLS PASSWORD '${appPassword}';
CREATE ROLE digame_lifecycle NOLOGIN NOSUPERUSER NOCREATEDB NOBYPASSRLS;
GRANT digame_lifecycle TO digame_owner;
CREATE DATABASE digame OWNER digame_owner;
REVOKE ALL ON DATABASE digame FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE digame TO digame_app, digame_app_global;
\\connect digame
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO digame_owner;
`;
  const psql = join(bin, 'psql');
  const psqlArgs = [
    '-X',
    '-q',
    '-h',
    dir,
    '-p',
    String(port),
    '-U',
    'postgres',
    '-v',
    'ON_ERROR_STOP=1',
    '-d',
    'postgres',
  ];
  await new Promise<void>((resolve, reject) => {
    const child = execFile(
      asRoot ? 'runuser' : psql,
      asRoot ? ['-u', 'postgres', '--', psql, ...psqlArgs] : psqlArgs,
      { cwd: dir },
      (error) => (error ? reject(error) : resolve()),
    );
    child.stdin?.end(provision);
  });
  const url = (user: string, password: string) => `postgres://${user}:${password}@127.0.0.1:${port}/digame`;
  const ownerUrl = url('digame_owner', ownerPassword);
  const appUrl = url('digame_app', appPassword);
  await migrate({ migrationUrl: ownerUrl, appUrl });
  return {
    ownerUrl,
    appUrl,
    stop,
    start,
    async destroy() {
      await stop('immediate').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
