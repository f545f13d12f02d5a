import type { EntityManager } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import type { Database } from '../db/database.js';
import { hourStart } from '../request/gate.js';
import { Tenant } from '../tenants/tenant.entity.js';

/**
 * Upper bounds of the latency buckets, in milliseconds (the api's Prometheus histogram's, plus
 * 10 s); one more bucket takes everything slower.
 */
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000] as const;
const BUCKETS = LATENCY_BUCKETS_MS.length + 1;
const HOUR_MS = 3_600_000;
/** Redis keeps an hour's figures this long if no flush ever copies them. */
const KEY_TTL_MS = 3 * 24 * HOUR_MS;
/** An hour's figures are final once every api node has surely flushed it; then its key is deleted. */
const CLOSED_HOUR_GRACE_MS = 5 * 60_000;
/** Hours older than this are deleted: the operator screens look back 30 days at most. */
export const API_PERFORMANCE_RETENTION_DAYS = 90;

interface HourFigures {
  calls: number;
  clientErrors: number;
  serverErrors: number;
  buckets: number[];
}

const keyHead = (prefix: string) => `${prefix}:perf:`;
const keyOf = (prefix: string, hourStartMs: number, tenantId: number) => `${keyHead(prefix)}${hourStartMs}:${tenantId}`;

/** The index of the latency bucket a duration falls in. */
export function latencyBucket(durationMs: number): number {
  const index = LATENCY_BUCKETS_MS.findIndex((bound) => durationMs <= bound);
  return index === -1 ? LATENCY_BUCKETS_MS.length : index;
}

/**
 * The 95th percentile of a bucketed distribution: the upper bound of the bucket holding the call at
 * rank ⌈0.95 × calls⌉. Calls slower than the last bound report that bound (a floor, "at least").
 */
export function p95FromBuckets(buckets: readonly number[]): number | null {
  const calls = buckets.reduce((sum, count) => sum + count, 0);
  if (calls === 0) return null;
  const rank = Math.ceil(calls * 0.95);
  let seen = 0;
  for (let index = 0; index < buckets.length; index++) {
    seen += buckets[index] ?? 0;
    if (seen >= rank) return LATENCY_BUCKETS_MS[Math.min(index, LATENCY_BUCKETS_MS.length - 1)] ?? null;
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1] ?? null;
}

/**
 * Per-tenant API performance, counted in the api process's memory and added to Redis in one
 * pipelined round trip every few seconds — never on a request's own path, and never as a metrics
 * label per tenant (which would grow Prometheus' series with every tenant). A flush Redis refuses
 * loses those seconds' figures rather than counting them twice.
 */
export class ApiPerformanceRecorder {
  private pending = new Map<string, HourFigures & { hourStartMs: number; tenantId: number }>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** One finished request of a tenant: its HTTP status and how long it took. */
  record(tenantId: number, status: number, durationMs: number, at = Date.now()): void {
    const hourStartMs = hourStart(at);
    const id = `${hourStartMs}:${tenantId}`;
    let figures = this.pending.get(id);
    if (!figures) {
      figures = { hourStartMs, tenantId, calls: 0, clientErrors: 0, serverErrors: 0, buckets: Array(BUCKETS).fill(0) };
      this.pending.set(id, figures);
    }
    figures.calls += 1;
    if (status >= 500) figures.serverErrors += 1;
    else if (status >= 400) figures.clientErrors += 1;
    const bucket = latencyBucket(durationMs);
    figures.buckets[bucket] = (figures.buckets[bucket] ?? 0) + 1;
  }

  /** Adds what was counted since the last flush to the Redis hashes, in one round trip. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const pipeline = this.redis.pipeline();
    for (const figures of batch.values()) {
      const key = keyOf(this.prefix, figures.hourStartMs, figures.tenantId);
      pipeline.hincrby(key, 'calls', figures.calls);
      if (figures.clientErrors) pipeline.hincrby(key, 'client_errors', figures.clientErrors);
      if (figures.serverErrors) pipeline.hincrby(key, 'server_errors', figures.serverErrors);
      figures.buckets.forEach((count, index) => {
        if (count) pipeline.hincrby(key, `b${index}`, count);
      });
      pipeline.pexpire(key, KEY_TTL_MS);
    }
    await pipeline.exec();
  }

  start(everyMs: number): void {
    this.timer = setInterval(() => void this.flush().catch(this.onError), everyMs);
    this.timer.unref();
  }

  /** Stops the timer and flushes what is left (at shutdown). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(this.onError);
  }
}

function figuresOf(hash: Record<string, string>): HourFigures {
  const number = (field: string) => Number(hash[field] ?? 0);
  return {
    calls: number('calls'),
    clientErrors: number('client_errors'),
    serverErrors: number('server_errors'),
    buckets: Array.from({ length: BUCKETS }, (_, index) => number(`b${index}`)),
  };
}

export interface PerformanceFlushSummary {
  hours: number;
  tenants: number;
}

/**
 * Copies every tenant-hour hash from Redis into `tenant_api_performance`. The copy is absolute (the
 * row is set to the hash's totals), so a flush run twice or killed half-way counts nothing twice;
 * a closed hour's key is deleted once its row is written. Each tenant is its own unit of work.
 */
export async function flushApiPerformance(
  deps: { db: Database; redis: Redis; prefix: string },
  now = new Date(),
): Promise<PerformanceFlushSummary> {
  const byTenant = new Map<number, Array<{ key: string; hourStartMs: number; figures: HourFigures }>>();
  const head = keyHead(deps.prefix);
  let cursor = '0';
  do {
    const [next, keys] = await deps.redis.scan(cursor, 'MATCH', `${head}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const [hour, tenant] = key.slice(head.length).split(':').map(Number);
      if (!Number.isInteger(hour) || !Number.isInteger(tenant)) continue;
      const figures = figuresOf(await deps.redis.hgetall(key));
      const list = byTenant.get(tenant as number) ?? [];
      list.push({ key, hourStartMs: hour as number, figures });
      byTenant.set(tenant as number, list);
    }
  } while (cursor !== '0');

  let hours = 0;
  for (const [tenantId, rows] of byTenant) {
    const closed = (row: { hourStartMs: number }) => row.hourStartMs + HOUR_MS + CLOSED_HOUR_GRACE_MS <= now.getTime();
    const known = await deps.db.inTenant(tenantId, async (em) => {
      if (!(await em.findOne(Tenant, { id: tenantId }, { fields: ['id'] }))) return false;
      // Pruned when an hour closes, so once per tenant and hour rather than on every flush; a tenant
      // that stops calling keeps its last 90 days, which no longer grow.
      if (rows.some(closed)) {
        await em.execute('delete from tenant_api_performance where tenant_id = ? and hour_start < ?', [
          tenantId,
          new Date(now.getTime() - API_PERFORMANCE_RETENTION_DAYS * 24 * HOUR_MS),
        ]);
      }
      for (const row of rows) {
        await em.execute(
          `insert into tenant_api_performance (tenant_id, hour_start, calls, client_errors, server_errors, latency_buckets, updated_at)
           values (?, ?, ?, ?, ?, ?, now())
           on conflict (tenant_id, hour_start) do update set calls = excluded.calls, client_errors = excluded.client_errors,
             server_errors = excluded.server_errors, latency_buckets = excluded.latency_buckets, updated_at = now()`,
          [
            tenantId,
            new Date(row.hourStartMs),
            row.figures.calls,
            row.figures.clientErrors,
            row.figures.serverErrors,
            JSON.stringify(row.figures.buckets),
          ],
        );
      }
      return true;
    });
    hours += known ? rows.length : 0;
    for (const row of rows) {
      // A deleted tenant's figures, and a closed hour's once copied, have nowhere else to go.
      if (!known || closed(row)) await deps.redis.del(row.key);
    }
  }
  return { hours, tenants: byTenant.size };
}

export interface TenantApiPerformanceSummary {
  tenantUuid: string;
  name: string;
  calls: number;
  /** 5xx answers ÷ calls. */
  errorRate: number;
  /** 4xx answers (refused: bad input, permissions, rate limit) ÷ calls. */
  refusalRate: number;
  p95Ms: number | null;
}

export interface ApiPerformanceHour {
  hour: Date;
  calls: number;
  errorRate: number;
  refusalRate: number;
  p95Ms: number | null;
}

type AggregateRow = { calls: string; client_errors: string; server_errors: string; buckets: string[] | null };

function rates(row: AggregateRow) {
  const calls = Number(row.calls);
  return {
    calls,
    errorRate: calls > 0 ? Number(row.server_errors) / calls : 0,
    refusalRate: calls > 0 ? Number(row.client_errors) / calls : 0,
    p95Ms: p95FromBuckets((row.buckets ?? []).map(Number)),
  };
}

/** Sums of the window's hours per tenant, its buckets added element by element. */
const windowAggregate = (tenantFilter: string) => `
  with hours as (
    select tenant_id, calls, client_errors, server_errors, latency_buckets from tenant_api_performance
     where hour_start >= ? and hour_start <= ? ${tenantFilter}),
  totals as (
    select tenant_id, sum(calls) as calls, sum(client_errors) as client_errors, sum(server_errors) as server_errors
      from hours group by tenant_id),
  buckets as (
    select h.tenant_id, i, sum((h.latency_buckets ->> i)::bigint) as n
      from hours h cross join generate_series(0, ${BUCKETS - 1}) as i group by h.tenant_id, i)`;

/**
 * The busiest tenants of the last `hours` hours with their error rate, refusal rate and p95
 * latency (EntityManager of Database.inPlatformRead).
 */
export async function apiPerformanceByTenant(
  em: EntityManager,
  now: Date,
  input: { hours: number; limit: number },
): Promise<TenantApiPerformanceSummary[]> {
  const since = new Date(hourStart(now.getTime()) - (input.hours - 1) * HOUR_MS);
  const rows = await em.execute<(AggregateRow & { tenant_uuid: string; name: string })[]>(
    `${windowAggregate('')}
     select t.tenant_uuid, t.name, totals.calls, totals.client_errors, totals.server_errors,
            (select array_agg(b.n order by b.i) from buckets b where b.tenant_id = totals.tenant_id) as buckets
       from totals join tenants t on t.id = totals.tenant_id
      order by totals.calls desc, t.name limit ?`,
    [since, now, input.limit],
  );
  return rows.map((row) => ({ tenantUuid: row.tenant_uuid, name: row.name, ...rates(row) }));
}

/** One tenant's hours of the last `hours` hours, oldest first (hours without calls are left out). */
export async function tenantApiPerformanceHours(
  em: EntityManager,
  tenantId: number,
  now: Date,
  hours: number,
): Promise<ApiPerformanceHour[]> {
  const since = new Date(hourStart(now.getTime()) - (hours - 1) * HOUR_MS);
  const rows = await em.execute<(AggregateRow & { hour_start: Date; latency_buckets: number[] })[]>(
    `select hour_start, calls, client_errors, server_errors, latency_buckets from tenant_api_performance
      where tenant_id = ? and hour_start >= ? and hour_start <= ? order by hour_start`,
    [tenantId, since, now],
  );
  return rows.map((row) => ({
    hour: new Date(row.hour_start),
    ...rates({ ...row, buckets: row.latency_buckets.map(String) }),
  }));
}
