/**
 * The request path's cost, as ratios against bare Hono measured in the same process: a public tRPC
 * query, and an authenticated one (token verification, cached tenant facts, the one-round-trip gate).
 * Also counts Redis commands and PostgreSQL transactions per authenticated request, which the
 * architecture budgets at one and zero.
 */
import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import pg from 'pg';
import { createApp } from '../apps/api/src/app.js';
import { loadApiConfig } from '../apps/api/src/config.js';
import { createApiDeps } from '../apps/api/src/deps.js';
import { measure } from './load.js';
import { listen, unlimitedAdminSession } from './setup.js';

const config = loadApiConfig({ ...process.env, JWT_SECRET: randomBytes(32).toString('hex'), REDIS_PREFIX: '{bench}' });
const deps = await createApiDeps(config);

const bare = new Hono().get('/ping', (c) => c.json({ ok: true }));
const bareUrl = await listen(bare.fetch);
const apiUrl = await listen(createApp(deps).fetch);

const { token } = await unlimitedAdminSession(deps, config, 'Bench');
const auth = { authorization: `Bearer ${token}` };

// Commands the api process sends to Redis (each is one round trip: nothing on this path pipelines).
let redisCommandsSent = 0;
const sendCommand = deps.redis.sendCommand.bind(deps.redis);
deps.redis.sendCommand = (...args: Parameters<typeof sendCommand>) => {
  redisCommandsSent++;
  return sendCommand(...args);
};
const pgStats = new pg.Client({ connectionString: process.env.DATABASE_MIGRATION_URL });
await pgStats.connect();
async function pgTransactions(): Promise<number> {
  const { rows } = await pgStats.query(
    'select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()',
  );
  return Number(rows[0].n);
}

const scenarios = [
  ['bare Hono (baseline)', () => fetch(`${bareUrl}/ping`)],
  ['public tRPC query', () => fetch(`${apiUrl}/trpc/system.tiers`)],
  ['authenticated tRPC query', () => fetch(`${apiUrl}/trpc/auth.whoami`, { headers: auth })],
] as const;
const ROUNDS = 3;
const samples = new Map<string, { perSecond: number[]; errors: number; redis: number; pg: number }>();
// Rounds interleave the scenarios, so a burst of load from elsewhere on the machine hits them all alike.
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, send] of scenarios) {
    const redisBefore = redisCommandsSent;
    const pgBefore = await pgTransactions();
    const result = await measure(send, { seconds: 3 });
    const sample = samples.get(name) ?? { perSecond: [], errors: 0, redis: 0, pg: 0 };
    sample.perSecond.push(result.perSecond);
    sample.errors += result.errors;
    sample.redis = (redisCommandsSent - redisBefore) / result.total;
    // The stats read itself is one transaction; it is subtracted.
    sample.pg = ((await pgTransactions()) - pgBefore - 1) / result.total;
    samples.set(name, sample);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const results = scenarios.map(([name]) => {
  const sample = samples.get(name)!;
  return { name, perSecond: median(sample.perSecond), errors: sample.errors, redis: sample.redis, pg: sample.pg };
});

const baseline = results[0]!.perSecond;
console.log(
  `\nrequest path, median of ${ROUNDS} interleaved rounds (ratio to bare Hono in this run; higher is better)`,
);
for (const r of results) {
  console.log(
    `${r.name.padEnd(28)} ${r.perSecond.toFixed(0).padStart(7)} req/s  ratio ${(r.perSecond / baseline).toFixed(3)}  ` +
      `redis round trips/req ${r.redis.toFixed(2)}  pg tx/req ${r.pg.toFixed(3)}  errors ${r.errors}`,
  );
}
await pgStats.end();
await deps.close();
process.exit(0);
