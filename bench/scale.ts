/**
 * Scale of data: a tenant's reads at the bench database's starting size and again once it holds
 * 10,000 tenants and a million audit entries (added here once, kept for later runs), as p95 ratios;
 * the query plans of the hot tenant-scoped reads at that size (each must be an index scan led by
 * tenant_id); and one scheduled fan-out tick over every tenant (`health.score_all`), timed until the
 * tick job has enqueued its 10,000 children in bulk.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadApiConfig } from '../apps/api/src/config.js';
import { createApiDeps } from '../apps/api/src/deps.js';
import { migrate } from '../packages/core/src/db/migrate.js';
import { JOBS } from '../packages/core/src/jobs/definitions.js';
import { benchTenant } from './lib/bench-tenant.js';
import type { LoadGenerator, Server } from './lib/processes.js';
import { freePort, waitForHttp } from './lib/processes.js';

export interface ScaleRow {
  what: string;
  small: number | null;
  large: number | null;
  ratio: number | null;
  note: string;
}

const TENANTS = 10_000;
const AUDIT_ROWS = 1_000_000;

const AUDIT_PER_TENANT = AUDIT_ROWS / TENANTS;
const TENANTS_PER_CHUNK = 1000;

/**
 * One chunk of the audit growth: AUDIT_PER_TENANT chained entries for each of up to
 * TENANTS_PER_CHUNK scale tenants that have none yet, in one transaction, so a stopped run keeps
 * the chunks it finished. The chain the append trigger would build row by row (a chain-head upsert
 * per entry) is computed in one recursive statement instead — same seq, prev_hash and hash, by the
 * same audit_entry_digest — with that trigger, the heads' guard and FORCE ROW LEVEL SECURITY off
 * for the owner for the statement only (all three come back before the transaction commits).
 */
const AUDIT_CHUNK_SQL = `
  alter table tenant_audit_logs no force row level security;
  alter table tenant_audit_chains no force row level security;
  alter table tenant_audit_logs disable trigger audit_chain_append;
  alter table tenant_audit_chains disable trigger audit_chain_guard;
  with recursive batch as (
    select t.id as tenant_id from tenants t
    where t.slug like 'scale-%' and not exists (select from tenant_audit_chains c where c.tenant_id = t.id)
    order by t.id limit ${TENANTS_PER_CHUNK}
  ), chain (tenant_id, seq, id, created_at, prev_hash, hash) as (
    select b.tenant_id, 1::bigint, e.id, e.created_at, null::text,
      audit_entry_digest(b.tenant_id, 1, null, e.id, null, 'tenant.updated', 'tenant', b.tenant_id::text, '{}', e.created_at)::text
    from batch b, lateral (select md5(b.tenant_id || ':1')::uuid as id,
      now() - interval '${AUDIT_PER_TENANT} minutes' as created_at) e
    union all
    select c.tenant_id, c.seq + 1, e.id, e.created_at, c.hash,
      audit_entry_digest(c.tenant_id, c.seq + 1, c.hash, e.id, null, 'tenant.updated', 'tenant', c.tenant_id::text, '{}', e.created_at)::text
    from chain c, lateral (select md5(c.tenant_id || ':' || (c.seq + 1))::uuid as id,
      now() - (${AUDIT_PER_TENANT} - c.seq) * interval '1 minute' as created_at) e
    where c.seq < ${AUDIT_PER_TENANT}
  ), logs as (
    insert into tenant_audit_logs (tenant_id, id, action, resource_type, resource_id, details, created_at, seq, prev_hash, hash)
    select tenant_id, id, 'tenant.updated', 'tenant', tenant_id::text, '{}', created_at, seq, prev_hash, hash from chain
  )
  insert into tenant_audit_chains (tenant_id, last_seq, last_hash)
  select tenant_id, seq, hash from chain where seq = ${AUDIT_PER_TENANT};
  alter table tenant_audit_chains enable trigger audit_chain_guard;
  alter table tenant_audit_logs enable trigger audit_chain_append;
  alter table tenant_audit_chains force row level security;
  alter table tenant_audit_logs force row level security;`;

/** Grows the database to TENANTS tenants and AUDIT_ROWS audit entries, as the migration owner. */
async function grow(owner: pg.Client): Promise<void> {
  const tenants = Number((await owner.query('select count(*)::int as n from tenants')).rows[0].n);
  if (tenants < TENANTS) {
    await owner.query(
      `insert into tenants (tenant_uuid, name, slug, storage_limit_gb, api_rate_limit, admin_email, admin_name, subscription_tier, is_trial)
       select gen_random_uuid(), 'Scale ' || n, 'scale-' || n || '-' || $2, 10, 5000, 'admin@scale-' || n || '.test', 'Admin', 'professional', false
       from generate_series(1, $1) as n`,
      [TENANTS - tenants, randomBytes(3).toString('hex')],
    );
  }
  for (;;) {
    await owner.query('begin');
    try {
      const results = (await owner.query(AUDIT_CHUNK_SQL)) as unknown as pg.QueryResult[];
      await owner.query('commit');
      // The chain heads inserted: one per tenant of the chunk; none once every scale tenant has its entries.
      if (!results.some((result) => result.command === 'INSERT' && (result.rowCount ?? 0) > 0)) break;
    } catch (error) {
      await owner.query('rollback');
      throw error;
    }
  }
  await owner.query('analyze');
}

/** Audit entries by the planner's statistics (refreshed first): RLS hides every row from a plain count. */
async function auditRows(owner: pg.Client): Promise<number> {
  await owner.query('analyze tenant_audit_logs');
  const { rows } = await owner.query("select reltuples::bigint as n from pg_class where relname = 'tenant_audit_logs'");
  return Math.max(0, Number(rows[0].n));
}

/** The plan's scan nodes, e.g. "Index Scan using tenant_audit_logs_pkey on tenant_audit_logs". */
function scans(plan: Record<string, unknown>): string[] {
  const node = `${plan['Node Type']}${plan['Index Name'] ? ` using ${plan['Index Name']}` : ''}${plan['Relation Name'] ? ` on ${plan['Relation Name']}` : ''}`;
  const children = ((plan.Plans as Record<string, unknown>[] | undefined) ?? []).flatMap(scans);
  return String(plan['Node Type']).includes('Scan') ? [node, ...children] : children;
}

/** The same server's URL with another database. */
function withDatabase(url: string, database: string): string {
  const copy = new URL(url);
  copy.pathname = `/${database}`;
  return copy.toString();
}

/**
 * The grown data lives in a database of its own beside the suite's (created, migrated and grown
 * once, kept for later runs), served by a second api process, so every run compares a tenant read
 * on the suite's small database with the same read at 10,000 tenants and a million audit rows.
 */
async function scaleDatabase(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  const migrationUrl = env.DATABASE_MIGRATION_URL as string;
  const appUrl = env.DATABASE_URL as string;
  const name = `${new URL(appUrl).pathname.slice(1)}_scale`;
  const admin = new pg.Client({ connectionString: migrationUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select from pg_database where datname = $1', [name]);
    if (!rowCount) await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const scaleEnv: NodeJS.ProcessEnv = {
    ...env,
    DATABASE_URL: withDatabase(appUrl, name),
    DATABASE_MIGRATION_URL: withDatabase(migrationUrl, name),
    // Its own Redis keys: tenant ids of the two databases overlap.
    REDIS_PREFIX: (env.REDIS_PREFIX as string).replace(/}$/, '-scale}'),
  };
  delete scaleEnv.DATABASE_GLOBAL_URL;
  await migrate({ migrationUrl: scaleEnv.DATABASE_MIGRATION_URL as string, appUrl: scaleEnv.DATABASE_URL as string });
  return scaleEnv;
}

/**
 * An enterprise tenant of the scale database with an admin's session, for the reads measured there,
 * and the deps on that database (its job queues are the tick's); the caller closes them.
 */
async function scaleTenant(env: NodeJS.ProcessEnv) {
  const deps = await createApiDeps(loadApiConfig({ ...env, LOG_LEVEL: 'silent' }));
  try {
    const { fixture, headers } = await benchTenant(deps, `Bench scale ${randomBytes(3).toString('hex')}`);
    return { deps, tenantId: fixture.tenantId, headers };
  } catch (error) {
    await deps.close();
    throw error;
  }
}

export async function scaleOfData(options: {
  quick: boolean;
  load: LoadGenerator;
  apiUrl: string;
  headers: Record<string, string>;
  env: NodeJS.ProcessEnv;
  startServer(name: string, entry: string, env: NodeJS.ProcessEnv): Promise<Server>;
}): Promise<ScaleRow[]> {
  const { load } = options;
  const env = await scaleDatabase(options.env);
  const small = new pg.Client({ connectionString: options.env.DATABASE_MIGRATION_URL });
  const owner = new pg.Client({ connectionString: env.DATABASE_MIGRATION_URL });
  const app = new pg.Client({ connectionString: env.DATABASE_URL });
  await Promise.all([small.connect(), owner.connect(), app.connect()]);
  const size = async (client: pg.Client) =>
    `${Number((await client.query('select count(*) as n from tenants')).rows[0].n).toLocaleString('en-US')} tenants, ` +
    `≈${(await auditRows(client)).toLocaleString('en-US')} audit rows`;
  const growStarted = performance.now();
  await grow(owner);
  const grewSeconds = (performance.now() - growStarted) / 1000;
  const scale = await scaleTenant(env);
  const apiPort = await freePort();
  const scaleApi = await options.startServer('api (scale)', 'apps/api/src/main.ts', { ...env, PORT: String(apiPort) });
  const scaleUrl = `http://127.0.0.1:${apiPort}`;
  await waitForHttp(`${scaleUrl}/healthz`);

  const reads = [
    { what: 'tenants.get p95 ms', path: '/trpc/tenants.get' },
    { what: 'audit.list p95 ms', path: `/trpc/audit.list?input=${encodeURIComponent('{}')}` },
  ];
  const p95 = async (base: string, headers: Record<string, string>, path: string) =>
    (
      await load.send<'latency'>({
        kind: 'latency',
        url: `${base}${path}`,
        headers,
        concurrency: 4,
        seconds: options.quick ? 2 : 4,
      })
    ).p95Ms;
  // Interleaved, so a burst of load from elsewhere on the machine hits both sizes alike.
  const rows: ScaleRow[] = [];
  const [smallSize, largeSize] = [await size(small), await size(owner)];
  for (const [i, read] of reads.entries()) {
    const atSmall = await p95(options.apiUrl, options.headers, read.path);
    const atLarge = await p95(scaleUrl, scale.headers, read.path);
    rows.push({
      what: read.what,
      small: atSmall,
      large: atLarge,
      ratio: atSmall ? atLarge / atSmall : null,
      note: `${smallSize} → ${largeSize}${i === 0 ? ` (grown in ${grewSeconds.toFixed(0)} s; 0 once grown)` : ''}`,
    });
  }
  await scaleApi.stop();

  // The hot tenant-scoped reads, planned as the app role inside a tenant's transaction. Sequential
  // scans are priced out, so a small table shows the index a large one would use: a Seq Scan left
  // in the plan means no index serves the query.
  const planned = [
    ['audit list', 'select * from tenant_audit_logs where tenant_id = $1 order by id desc limit 51'],
    ['members list', 'select * from tenant_users where tenant_id = $1 order by id limit 51'],
    ['usage records', 'select * from tenant_usage_records where tenant_id = $1'],
    ['sessions of a user', 'select * from auth_sessions where tenant_id = $1 and user_id = gen_random_uuid()'],
  ] as const;
  await app.query('begin read only');
  await app.query("select set_config('app.current_tenant_id', $1, true)", [String(scale.tenantId)]);
  await app.query('set local enable_seqscan = off');
  for (const [what, sql] of planned) {
    const { rows: plan } = await app.query(`explain (format json) ${sql}`, [scale.tenantId]);
    const nodes = scans((plan[0]['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0]?.Plan ?? {});
    const seq = nodes.some((n) => n.startsWith('Seq Scan'));
    rows.push({
      what: `plan: ${what}`,
      small: null,
      large: null,
      ratio: null,
      note: `${seq ? 'NO INDEX: ' : ''}${nodes.join('; ')}`,
    });
  }
  await app.query('commit');

  // One scheduled tick over every active tenant, with a worker running it. Queued before the worker
  // starts, so it runs ahead of the worker's own start-up ticks (each schedule's first runs at once).
  const queue = scale.deps.jobs.queue(JOBS['health.score_all'].queue);
  const jobId = `bench_tick_${randomBytes(3).toString('hex')}`;
  const started = performance.now();
  const job = await queue.add('health.score_all', {}, { ...JOBS['health.score_all'].options, jobId });
  const port = await freePort();
  const worker = await options.startServer('worker (tick)', 'apps/worker/src/main.ts', {
    ...env,
    WORKER_PORT: String(port),
  });
  let state = await job.getState();
  while (state !== 'completed' && state !== 'failed') {
    await new Promise((resolve) => setTimeout(resolve, 50));
    state = await queue.getJobState(jobId);
  }
  const tickSeconds = (performance.now() - started) / 1000;
  const done = await queue.getJob(jobId);
  const tenants = done?.returnvalue as { tenants?: number } | undefined;
  // The tick's own work (read the tenant ids, addBulk the children), apart from the worker's start.
  const handlerSeconds = done?.processedOn && done.finishedOn ? (done.finishedOn - done.processedOn) / 1000 : null;
  await worker.stop();
  // The children would keep the worker busy for minutes; the figure is the tick's own.
  await queue.drain();
  rows.push({
    what: 'health.score_all tick s (in its handler)',
    small: null,
    large: handlerSeconds,
    ratio: null,
    note:
      `${state}: ${tenants?.tenants?.toLocaleString('en-US') ?? '?'} child jobs enqueued with addBulk; ` +
      `${tickSeconds.toFixed(1)} s from add to completed, the worker's start included`,
  });
  await Promise.all([small.end(), owner.end(), app.end(), scale.deps.close()]);
  return rows;
}
