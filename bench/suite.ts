/**
 * The benchmark suite (`npm run bench`; `npm run bench -- --quick` for a short pass). The real api
 * process, and the baselines, run pinned to one core with PostgreSQL and Redis; the load generator
 * runs on the other. Every figure is a median over interleaved rounds with its range, and each path
 * is shown as a ratio to the baseline measured in the same run, so a busy machine moves both alike.
 * A second api instance, behind counting proxies and never under load, gives the PostgreSQL round
 * trips, statements and transactions and the Redis commands per request. Writes .data/bench/results.json.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadApiConfig } from '../apps/api/src/config.js';
import { createApiDeps } from '../apps/api/src/deps.js';
import { startWireCounter, type WireCounts } from '../packages/core/src/testing/wire-counter.js';
import { type FanoutRow, fanout } from './fanout.js';
import { benchTenant } from './lib/bench-tenant.js';
import type { LoadCommand, LoadResult } from './lib/load-protocol.js';
import {
  canPin,
  freePort,
  markStopping,
  ROOT,
  type Server,
  startLoadGenerator,
  startServer,
  waitForHttp,
} from './lib/processes.js';
import { type ScaleRow, scaleOfData } from './scale.js';
import { type WorkerRow, workerThroughput } from './worker.js';

const quick = process.argv.includes('--quick');
/** `--only=requests|fanout|worker|scale` runs one section (the worker's ratio needs the requests' write figure). */
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
/** `--paths=<text>` keeps only the request paths whose name contains it (baselines always run). */
const pathFilter = process.argv.find((arg) => arg.startsWith('--paths='))?.slice('--paths='.length);
/**
 * `--profile`: the api runs under --cpu-prof and writes its profile to .data/bench/profiles when the
 * suite stops it (summarize with `npx tsx bench/profile-summary.ts <file>`); figures then include its overhead.
 */
const profile = process.argv.includes('--profile');
const runs = (section: 'requests' | 'fanout' | 'worker' | 'scale') => only === undefined || only === section;
const ROUNDS = quick ? 1 : 3;
/** `--seconds=N`: each measured round runs this long (a longer one gives a profile more to show). */
const secondsArg = process.argv.find((arg) => arg.startsWith('--seconds='))?.slice('--seconds='.length);
const SECONDS = secondsArg ? Number(secondsArg) : quick ? 2 : 5;
const WARMUP_SECONDS = quick ? 1 : 3;
const CONNECTIONS = 100;
const COUNTED_REQUESTS = quick ? 50 : 200;

const started = performance.now();
/** The machine's load when the suite starts (other work on it moves the absolute figures, less the ratios). */
const loadAtStart = os.loadavg();
const prefix = `{bench-${randomBytes(3).toString('hex')}}`;
const apiEnv: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: 'production',
  // Production logs one JSON line per request; it goes to /dev/null here but its cost is counted.
  LOG_LEVEL: 'info',
  JWT_SECRET: randomBytes(32).toString('hex'),
  REDIS_PREFIX: prefix,
  PORT: '0',
};
const servers: Server[] = [];
/** A line on stderr as each part starts, so a long run shows where it is. */
const progress = (what: string) =>
  process.stderr.write(`bench: ${what} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);

// ── fixtures, through the product's own services ───────────────────────────────────────────────────
const deps = await createApiDeps(loadApiConfig({ ...apiEnv, LOG_LEVEL: 'silent' }));
const { fixture, tenantUuid, headers: auth } = await benchTenant(deps, `Bench ${randomBytes(3).toString('hex')}`);

// ── processes ──────────────────────────────────────────────────────────────────────────────────────
/** The api prints its port in its first log line; it listens on a port given here instead. */
async function startApi(
  name: string,
  env: NodeJS.ProcessEnv,
  port: number,
  nodeFlags: string[] = [],
): Promise<{ url: string; server: Server }> {
  const server = await startServer(name, 'apps/api/src/main.ts', { ...env, PORT: String(port) }, { nodeFlags });
  servers.push(server);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`);
  return { url, server };
}

const baselines = await startServer('baselines', 'bench/servers/baselines.ts', apiEnv, { readFirstLine: true });
servers.push(baselines);
const ports = JSON.parse(baselines.firstLine ?? '{}') as { hono: number; trpc: number };
const api = await startApi(
  'api',
  apiEnv,
  await freePort(),
  profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, '.data', 'bench', 'profiles')}`] : [],
);
const wire = await startWireCounter(apiEnv.DATABASE_URL as string, apiEnv.REDIS_URL as string, { keepSql: true });
const counted = await startApi(
  'api (counted)',
  { ...apiEnv, DATABASE_URL: wire.databaseUrl, REDIS_URL: wire.redisUrl },
  await freePort(),
);
const load = await startLoadGenerator(process.env);

/** Stops every process this suite started, also when it fails or is interrupted. */
const stopAll = async (code: number) => {
  markStopping();
  await Promise.allSettled([...servers.map((s) => s.stop()), load.stop(), wire.close()]);
  process.exit(code);
};
process.on('SIGINT', () => stopAll(130));

try {
  // ── the request paths ──────────────────────────────────────────────────────────────────────────────
  interface Scenario {
    name: string;
    /** The row this one is a ratio of (none: a baseline). */
    baseline?: string;
    /** tRPC calls per request (a batch carries several). */
    calls?: number;
    request(base: string): Omit<Extract<LoadCommand, { kind: 'http' }>, 'kind' | 'connections'>;
    /** The counting api serves ours; baselines are not counted. */
    ours: boolean;
  }

  const hono = `http://127.0.0.1:${ports.hono}`;
  const trpc = `http://127.0.0.1:${ports.trpc}`;
  const json = { 'content-type': 'application/json' };
  const batch = Array.from({ length: 10 }, () => 'tenants.get').join(',');
  const BARE_TRPC = 'bare tRPC query (tier catalog)';
  const BARE_PG = 'bare tRPC + pg RLS transaction';
  const scenarios: Scenario[] = [
    { name: 'bare Hono', ours: false, request: () => ({ url: `${hono}/hello` }) },
    { name: BARE_TRPC, baseline: 'bare Hono', ours: false, request: () => ({ url: `${trpc}/trpc/tiers` }) },
    {
      name: BARE_PG,
      baseline: BARE_TRPC,
      ours: false,
      request: () => ({
        url: `${trpc}/trpc/tenant?input=${encodeURIComponent(JSON.stringify({ tenantId: fixture.tenantId }))}`,
      }),
    },
    {
      name: 'public query: system.tiers',
      baseline: BARE_TRPC,
      ours: true,
      request: (base) => ({ url: `${base}/trpc/system.tiers` }),
    },
    {
      name: 'authenticated, no database: auth.whoami',
      baseline: BARE_TRPC,
      ours: true,
      request: (base) => ({ url: `${base}/trpc/auth.whoami`, headers: auth }),
    },
    {
      name: 'tenant read: tenants.get',
      baseline: BARE_PG,
      ours: true,
      request: (base) => ({ url: `${base}/trpc/tenants.get`, headers: auth }),
    },
    {
      name: 'tenant read: usage.get',
      baseline: BARE_PG,
      ours: true,
      request: (base) => ({ url: `${base}/trpc/usage.get`, headers: auth }),
    },
    {
      name: 'tenant write + audit: tenants.update',
      baseline: BARE_PG,
      ours: true,
      request: (base) => ({
        url: `${base}/trpc/tenants.update`,
        method: 'POST',
        headers: { ...auth, ...json },
        bodyTemplate: JSON.stringify({ name: 'Bench tenant {{n}}' }),
      }),
    },
    {
      name: 'batch of 10 tenants.get (per call)',
      baseline: BARE_PG,
      calls: 10,
      ours: true,
      request: (base) => ({ url: `${base}/trpc/${batch}?batch=1&input=%7B%7D`, headers: auth }),
    },
    {
      name: 'REST mirror: GET /api/tenants/{id}',
      baseline: BARE_PG,
      ours: true,
      request: (base) => ({ url: `${base}/api/tenants/${tenantUuid}`, headers: auth }),
    },
  ];

  /**
   * One load run, then a wait until both servers have answered what was still queued when the load
   * stopped (a batch leaves up to a thousand calls behind): the next run must not pay for this one.
   */
  async function runHttp(command: Omit<Extract<LoadCommand, { kind: 'http' }>, 'kind'>): Promise<LoadResult> {
    const { result } = await load.send<'http'>({ kind: 'http', ...command });
    await Promise.all([waitForHttp(`${trpc}/health`), waitForHttp(`${api.url}/healthz`)]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    return result;
  }

  // Counts first, on the idle counting api: a few requests to warm its caches and pool, then the counted ones.
  type Counts = WireCounts & { requests: number; pgOpenRoundTrips: number | null };
  const counts = new Map<string, Counts>();
  /**
   * Round trips that open an explicit transaction: its BEGIN, plus a set_config sent alone after
   * it (a unit that set its tenant in a round trip of its own would count 2). A BEGIN sent with its
   * set_config, or a whole read unit (BEGIN … COMMIT as one query), counts 1. Null: no BEGIN sent.
   */
  const openRoundTrips = (sent: { sql: string }[]) => {
    const begins = sent.filter((s) => /^BEGIN\b/i.test(s.sql)).length;
    const alone = sent.filter((s) => /^select set_config\([^;]*\)\s*;?\s*$/i.test(s.sql)).length;
    return begins === 0 ? null : (begins + alone) / begins;
  };
  const measured = !runs('requests')
    ? []
    : scenarios.filter((s) => !s.ours || pathFilter === undefined || s.name.includes(pathFilter));
  if (measured.length) progress('counting round trips per request');
  for (const scenario of measured.filter((s) => s.ours)) {
    await runHttp({ ...scenario.request(counted.url), connections: 1, amount: 20 });
    const before = wire.read();
    const sentBefore = wire.sql().length;
    const result = await runHttp({ ...scenario.request(counted.url), connections: 1, amount: COUNTED_REQUESTS });
    const after = wire.read();
    const requests = (result.ok + result.failed) * (scenario.calls ?? 1);
    if (result.failed > 0) console.error(`${scenario.name}: ${result.failed} of ${requests} counted requests failed`);
    counts.set(scenario.name, {
      requests,
      pgRoundTrips: (after.pgRoundTrips - before.pgRoundTrips) / requests,
      pgStatements: (after.pgStatements - before.pgStatements) / requests,
      pgTransactions: (after.pgTransactions - before.pgTransactions) / requests,
      redisCommands: (after.redisCommands - before.redisCommands) / requests,
      pgOpenRoundTrips: openRoundTrips(wire.sql().slice(sentBefore)),
    });
  }
  await counted.server.stop();
  await wire.close();

  const base = (scenario: Scenario) => (scenario.ours ? api.url : '');
  for (const scenario of measured) {
    await runHttp({ ...scenario.request(base(scenario)), connections: CONNECTIONS, seconds: WARMUP_SECONDS });
  }
  const samples = new Map<string, LoadResult[]>();
  // Rounds interleave the paths, so a burst of load from elsewhere on the machine hits them all alike.
  for (let round = 0; round < ROUNDS; round++) {
    if (measured.length) progress(`request paths, round ${round + 1} of ${ROUNDS}`);
    for (const scenario of measured) {
      const result = await runHttp({ ...scenario.request(base(scenario)), connections: CONNECTIONS, seconds: SECONDS });
      samples.set(scenario.name, [...(samples.get(scenario.name) ?? []), result]);
    }
  }

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  };

  interface RequestRow {
    path: string;
    perSecond: number;
    range: [number, number];
    p99Ms: number;
    failed: number;
    ratio: number | null;
    ratioOf: string | null;
    counts: Counts | null;
  }
  const rate = (name: string) => {
    const scenario = scenarios.find((s) => s.name === name) as Scenario;
    return (samples.get(name) ?? []).map((r) => r.perSecond * (scenario.calls ?? 1));
  };
  const requestRows: RequestRow[] = measured.map((scenario) => {
    const results = samples.get(scenario.name) ?? [];
    const perSecond = rate(scenario.name);
    return {
      path: scenario.name,
      perSecond: median(perSecond),
      range: [Math.min(...perSecond), Math.max(...perSecond)],
      p99Ms: median(results.map((r) => r.p99Ms)),
      failed: results.reduce((sum, r) => sum + r.failed, 0),
      ratio: scenario.baseline ? median(perSecond) / median(rate(scenario.baseline)) : null,
      ratioOf: scenario.baseline ?? null,
      counts: counts.get(scenario.name) ?? null,
    };
  });
  const tenantWritePerSecond = requestRows.find((r) => r.path.startsWith('tenant write'))?.perSecond ?? 0;

  // ── fan-out and the worker ─────────────────────────────────────────────────────────────────────────
  if (runs('fanout')) progress('event fan-out');
  const fanoutRows: FanoutRow[] = !runs('fanout')
    ? []
    : await fanout({
        load,
        quick,
        apiUrl: api.url,
        apiPid: api.server.child.pid as number,
        bareUrl: trpc,
        headers: auth,
        redisUrl: apiEnv.REDIS_URL as string,
        prefix,
        tenantId: fixture.tenantId,
      });
  if (runs('worker')) progress('worker throughput');
  const workerRows: WorkerRow[] = !runs('worker')
    ? []
    : await workerThroughput({
        quick,
        env: apiEnv,
        deps,
        tenantId: fixture.tenantId,
        apiPeakPerSecond: tenantWritePerSecond,
        startServer: async (name, entry, env) => {
          const server = await startServer(name, entry, env);
          servers.push(server);
          return server;
        },
      });

  // Last: it grows a database of its own to ten thousand tenants the first time (later runs find them there).
  if (runs('scale')) progress('scale of data');
  const scaleRows: ScaleRow[] = !runs('scale')
    ? []
    : await scaleOfData({
        quick,
        load,
        apiUrl: api.url,
        headers: auth,
        env: apiEnv,
        startServer: async (name, entry, env) => {
          const server = await startServer(name, entry, env);
          servers.push(server);
          return server;
        },
      });

  // ── report ─────────────────────────────────────────────────────────────────────────────────────────
  markStopping();
  await load.stop();
  await Promise.allSettled(servers.map((s) => s.stop()));
  await deps.close();

  const int = (n: number) => Math.round(n).toLocaleString('en-US');
  const fixed = (n: number | undefined, digits = 2) => (n === undefined ? '' : n.toFixed(digits));
  const lines: string[] = [];
  lines.push(
    `Request paths: ${CONNECTIONS} connections, median of ${ROUNDS} interleaved ${SECONDS}s rounds after a ${WARMUP_SECONDS}s warm-up` +
      `${canPin ? '; servers, PostgreSQL and Redis on CPU 0, load on CPU 1' : '; not pinned (taskset or a second CPU missing)'}.`,
    'Per call (a batch: per call in it), from the counting instance: PostgreSQL round trips / statements / transactions,',
    'round trips to open a transaction (BEGIN with its settings), Redis commands.',
    '',
    '| path | req/s (median) | range | p99 ms | ratio | of | pg round trips | pg statements | pg tx | pg rt to open a tx | redis cmds |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const row of requestRows) {
    const c = row.counts;
    lines.push(
      `| ${row.path} | ${int(row.perSecond)} | ${int(row.range[0])}–${int(row.range[1])} | ${fixed(row.p99Ms, 0)} | ` +
        `${row.ratio === null ? '1' : fixed(row.ratio)} | ${row.ratioOf ?? ''} | ${fixed(c?.pgRoundTrips)} | ` +
        `${fixed(c?.pgStatements)} | ${fixed(c?.pgTransactions)} | ${fixed(c?.pgOpenRoundTrips ?? undefined)} | ` +
        `${fixed(c?.redisCommands)} |` +
        (row.failed ? ` ${row.failed} failed` : ''),
    );
  }
  lines.push(
    '',
    'Event fan-out: publish (XADD) to each delivery, over all events; "last" is the median of publish-to-last-delivery.',
    '',
    '| subscribers | path | p50 ms | p95 ms | last ms | api CPU µs per delivery | tenant reads/s while listening | ratio to just before | RSS MiB before / with / after |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  for (const row of fanoutRows) {
    lines.push(
      `| ${int(row.subscribers)} | ${row.path} | ${fixed(row.p50Ms, 1)} | ${fixed(row.p95Ms, 1)} | ${fixed(row.lastMs, 1)} | ` +
        `${row.cpuPerDeliveryUs === null ? '' : fixed(row.cpuPerDeliveryUs, 1)} | ` +
        `${row.readsPerSecond === null ? '' : int(row.readsPerSecond)} | ${row.readsRatio === null ? '' : fixed(row.readsRatio)} | ` +
        `${row.rssMiB.map((v) => v ?? '?').join(' / ')} |`,
    );
  }
  lines.push('', '| worker job | jobs | jobs/s | ratio to api peak |', '| --- | ---: | ---: | ---: |');
  for (const row of workerRows) {
    lines.push(
      `| ${row.job} | ${int(row.jobs)} | ${int(row.perSecond)} | ${row.ratio === null ? '' : fixed(row.ratio)} |`,
    );
  }
  lines.push(
    '',
    '| scale of data | at start | at 10,000 tenants | ratio | note |',
    '| --- | ---: | ---: | ---: | --- |',
  );
  for (const row of scaleRows) {
    lines.push(
      `| ${row.what} | ${row.small === null ? '' : fixed(row.small, 1)} | ${row.large === null ? '' : fixed(row.large, 1)} | ` +
        `${row.ratio === null ? '' : fixed(row.ratio)} | ${row.note} |`,
    );
  }
  const elapsed = (performance.now() - started) / 1000;
  const loads = (l: number[]) => l.map((v) => v.toFixed(2)).join(' / ');
  const loadAtEnd = os.loadavg();
  lines.push(
    '',
    `Suite took ${elapsed.toFixed(0)} s${quick ? ' (quick)' : ''}; load average (1 / 5 / 15 min) ${loads(loadAtStart)} at the start, ` +
      `${loads(loadAtEnd)} at the end, on ${os.cpus().length} CPUs (the suite itself keeps about 2 busy).`,
  );
  console.log(`\n${lines.join('\n')}`);

  const out = path.join(ROOT, '.data', 'bench', 'results.json');
  fs.writeFileSync(
    out,
    `${JSON.stringify({ quick, pinned: canPin, seconds: elapsed, loadAverage: { start: loadAtStart, end: loadAtEnd }, requests: requestRows, fanout: fanoutRows, worker: workerRows, scale: scaleRows }, null, 2)}\n`,
  );
  console.log(`Written to ${path.relative(ROOT, out)}.`);
  process.exit(0);
} catch (error) {
  console.error(error);
  await stopAll(1);
}
