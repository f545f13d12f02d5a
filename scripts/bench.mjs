// `npm run bench` runs the suite (bench/suite.ts; `npm run bench -- --quick` for a short pass):
// throwaway services in .data/bench, migrated, PostgreSQL and Redis pinned to CPU 0 with the servers
// under test, the load generator on CPU 1. Benchmarks print ratios against baselines measured in the
// same run, so the numbers compare across machines; they are never assertions in the test suite.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureDependencies, pnpm } from './lib/deps.mjs';
import { ROOT, run } from './lib/proc.mjs';
import { ensureServices } from './lib/services.mjs';

const DATA_DIR = '.data/bench';
const args = process.argv.slice(2);
const name = args[0] && !args[0].startsWith('-') ? args.shift() : 'suite';
const file = path.join(ROOT, 'bench', `${name}.ts`);
if (!fs.existsSync(file)) {
  const available = fs.readdirSync(path.join(ROOT, 'bench')).filter((f) => f.endsWith('.ts'));
  console.error(`no benchmark "${name}"; available: ${available.map((f) => f.replace(/\.ts$/, '')).join(', ')}`);
  process.exit(2);
}

/** PostgreSQL (the postmaster and what it forks from now on) and Redis share CPU 0 with the servers. */
function pinServices() {
  const pids = [];
  const readPid = (file) => Number(fs.readFileSync(path.join(ROOT, DATA_DIR, file), 'utf8').split('\n')[0]);
  try {
    const postmaster = readPid('postgres/postmaster.pid');
    pids.push(postmaster);
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' });
    pids.push(...children.split('\n').map(Number).filter(Boolean));
    pids.push(readPid('redis/redis.pid'));
    for (const pid of pids) execFileSync('taskset', ['-a', '-p', '-c', '0', String(pid)], { stdio: 'ignore' });
  } catch {
    console.log('bench: could not pin PostgreSQL and Redis to CPU 0 (no taskset, or services from URLs); not pinned.');
  }
}

await ensureDependencies();
const services = await ensureServices({ dataDir: DATA_DIR, fast: true });
const env = { ...process.env, ...services.env, NODE_ENV: 'production', LOG_LEVEL: 'silent' };
let code = 0;
try {
  await pnpm(['--filter', '@digame/core', 'run', 'migrate'], { env });
  if (!process.env.DATABASE_URL && !process.env.REDIS_URL) pinServices();
  await run(path.join(ROOT, 'node_modules/.bin/tsx'), [file, ...args], { env, stdio: 'inherit' });
} catch (error) {
  console.error(error.message);
  code = error.exitCode ?? 1;
} finally {
  await services.stop();
}
process.exit(code);
