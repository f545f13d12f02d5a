import type { EntityManager } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import type { Database } from '../db/database.js';
import { type SqlStatement, sql, statementText } from '../db/sql.js';
import { DomainError } from '../errors/domain-error.js';
import { apiCallCounterKey, hourStart } from '../request/gate.js';
import type { TenantContext } from '../services/context.js';
import { UsageRecord } from './usage-record.entity.js';

const HOUR_MS = 60 * 60 * 1000;
const BYTES_PER_GB = 1024 ** 3;

/** Reads live hourly API-call counters (null where Redis has none for that hour). */
export interface ApiCallCounterReader {
  read(tenantId: number, hourStartsMs: readonly number[]): Promise<(number | null)[]>;
}

/** The counters the request gate increments: one MGET for all of a day's hours. */
export function redisApiCallCounters(redis: Redis, prefix: string): ApiCallCounterReader {
  return {
    async read(tenantId, hourStartsMs) {
      if (hourStartsMs.length === 0) return [];
      const values = await redis.mget(...hourStartsMs.map((start) => apiCallCounterKey(prefix, tenantId, start)));
      return values.map((value) => (value === null ? null : Number(value)));
    },
  };
}

export interface UsageReport {
  users: { current: number; limit: number | null; percent: number | null };
  storage: { usedGb: number; limitGb: number; percent: number };
  apiCalls: { today: number; thisHour: number; limit: number; percent: number };
  measuredAt: Date;
}

const percentOf = (used: number, limit: number) => (limit > 0 ? Math.round((used / limit) * 1000) / 10 : 100);

/** The latest storage measurement (written by the metering job); 0 before the first one. */
export async function latestStorageBytes(em: EntityManager, tenantId: number): Promise<number> {
  const [latest] = await em.find(
    UsageRecord,
    { tenant: tenantId, metric: 'storage_bytes' },
    { orderBy: { periodStart: 'desc' }, limit: 1 },
  );
  return latest?.quantity ?? 0;
}

/** The UTC day's hour starts up to the current one, in ms. */
function hoursOfDay(now: number): number[] {
  const currentHour = hourStart(now);
  const dayStart = currentHour - (currentHour % (24 * HOUR_MS));
  const hours: number[] = [];
  for (let start = dayStart; start <= currentHour; start += HOUR_MS) hours.push(start);
  return hours;
}

/**
 * API calls of the UTC day so far. Each hour is counted once: the flush copies an hour's counter
 * into its record (same hour, same number) and deletes the counter only after its hour closed, so
 * for every hour the larger of the two is that hour's count (a late call kept in the counter makes
 * it the larger).
 */
function apiCallsToday(
  hours: readonly number[],
  live: readonly (number | null)[],
  recorded: ReadonlyMap<number, number>,
): { today: number; thisHour: number } {
  let today = 0;
  let thisHour = 0;
  hours.forEach((start, index) => {
    const count = Math.max(live[index] ?? 0, recorded.get(start) ?? 0);
    today += count;
    if (index === hours.length - 1) thisHour = count;
  });
  return { today, thisHour };
}

interface UsageFigures {
  max_users: number | null;
  storage_limit_gb: number;
  api_rate_limit: number;
  active_members: number;
  storage_bytes: number;
  api_calls: { start: number; quantity: number }[];
}

/**
 * Everything the usage report reads from PostgreSQL, in one statement (a hot read: one round trip
 * instead of four ORM queries): the tenant's limits, its active seats (as activeSeatCount counts
 * them), its latest storage measurement (as latestStorageBytes) and the api_calls records of the
 * hours from `first` to `last`.
 */
function usageFigures(tenantId: number, first: Date, last: Date): SqlStatement<UsageFigures> {
  return sql<UsageFigures>`
  select t.max_users, t.storage_limit_gb, t.api_rate_limit,
    (select count(*)::int from tenant_users u where u.tenant_id = t.id and u.is_active) as active_members,
    coalesce((select r.quantity from tenant_usage_records r
       where r.tenant_id = t.id and r.metric = 'storage_bytes' order by r.period_start desc limit 1), 0)::float8
      as storage_bytes,
    coalesce((select json_agg(json_build_object(
         'start', (extract(epoch from r.period_start) * 1000)::bigint, 'quantity', r.quantity))
       from tenant_usage_records r
       where r.tenant_id = t.id and r.metric = 'api_calls'
         and r.period_start between ${first}::timestamptz and ${last}::timestamptz),
      '[]') as api_calls
  from tenants t where t.id = ${tenantId}`;
}

/** The report of `tenantId` at `now`, its figures read by `read` while Redis is read at once. */
async function usageReport(
  tenantId: number,
  now: Date,
  counters: ApiCallCounterReader,
  read: (statement: SqlStatement<UsageFigures>) => Promise<UsageFigures | undefined>,
): Promise<UsageReport> {
  const hours = hoursOfDay(now.getTime());
  const statement = usageFigures(tenantId, new Date(hours[0] as number), new Date(hours.at(-1) as number));
  // Redis and PostgreSQL at once: neither waits for the other.
  const [live, figures] = await Promise.all([counters.read(tenantId, hours), read(statement)]);
  if (!figures) throw new DomainError('NOT_FOUND', 'Tenant not found');
  const recorded = new Map(figures.api_calls.map((record) => [Number(record.start), Number(record.quantity)]));
  const calls = apiCallsToday(hours, live, recorded);
  const activeMembers = figures.active_members;
  const storageGb = figures.storage_bytes / BYTES_PER_GB;
  const maxUsers = figures.max_users ?? null;
  return {
    users: {
      current: activeMembers,
      limit: maxUsers,
      percent: maxUsers === null ? null : percentOf(activeMembers, maxUsers),
    },
    storage: {
      usedGb: Math.round(storageGb * 100) / 100,
      limitGb: figures.storage_limit_gb,
      percent: percentOf(storageGb, figures.storage_limit_gb),
    },
    apiCalls: {
      today: calls.today,
      thisHour: calls.thisHour,
      limit: figures.api_rate_limit,
      percent: percentOf(calls.thisHour, figures.api_rate_limit),
    },
    measuredAt: now,
  };
}

/** The brief's usage shape (camelCase; the REST mirror answers in the brief's snake_case), plus how much of each limit is used. */
export async function getUsage(ctx: TenantContext, counters: ApiCallCounterReader): Promise<UsageReport> {
  return usageReport(ctx.tenantId, ctx.now, counters, async (statement) => {
    const [figures] = await ctx.em.execute<UsageFigures[]>(statementText(statement));
    return figures;
  });
}

/**
 * getUsage as a hot read, for the caller's own tenant: the same report, its figures read in a read
 * unit (one round trip, no ORM). An operator's read of another tenant stays on getUsage, in the
 * audited unit of work that records the access.
 */
export async function readUsage(
  db: Database,
  tenantId: number,
  counters: ApiCallCounterReader,
  now: Date = new Date(),
): Promise<UsageReport> {
  return usageReport(tenantId, now, counters, async (statement) => {
    const [[figures]] = await db.readInTenant(tenantId, [statement]);
    return figures;
  });
}

/**
 * API calls per UTC hour for the last `hours` hours, oldest first, the current hour included. Each
 * hour is the larger of its record and its live counter, as in `apiCallsToday`.
 */
export async function hourlyApiCalls(
  ctx: TenantContext,
  counters: ApiCallCounterReader,
  hours: number,
): Promise<Array<{ hour: Date; apiCalls: number }>> {
  const currentHour = hourStart(ctx.now.getTime());
  const starts = Array.from({ length: hours }, (_, index) => currentHour - (hours - 1 - index) * HOUR_MS);
  const first = starts[0] ?? currentHour;
  const records = await ctx.em.find(UsageRecord, {
    tenant: ctx.tenantId,
    metric: 'api_calls',
    periodStart: { $gte: new Date(first), $lte: new Date(currentHour) },
  });
  const recorded = new Map(records.map((record) => [record.periodStart.getTime(), record.quantity]));
  // Counters of flushed, closed hours are gone; only the last day's can still be live.
  const liveStarts = starts.filter((start) => start > currentHour - 24 * HOUR_MS);
  const live = await counters.read(ctx.tenantId, liveStarts);
  const liveByStart = new Map(liveStarts.map((start, index) => [start, live[index] ?? 0]));
  return starts.map((start) => ({
    hour: new Date(start),
    apiCalls: Math.max(liveByStart.get(start) ?? 0, recorded.get(start) ?? 0),
  }));
}
