import type { EntityManager } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import { activeSeatCount } from '../members/member-guards.js';
import { apiCallCounterKey, hourStart } from '../request/gate.js';
import type { TenantContext } from '../services/context.js';
import { Tenant } from '../tenants/tenant.entity.js';
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

/**
 * API calls of the UTC day so far. Each hour is counted once: the flush copies an hour's counter
 * into its record (same hour, same number) and deletes the counter only after its hour closed, so
 * for every hour the larger of the two is that hour's count (a late call kept in the counter makes
 * it the larger).
 */
async function apiCallsToday(
  ctx: TenantContext,
  counters: ApiCallCounterReader,
): Promise<{ today: number; thisHour: number }> {
  const now = ctx.now.getTime();
  const currentHour = hourStart(now);
  const dayStart = currentHour - (currentHour % (24 * HOUR_MS));
  const hours: number[] = [];
  for (let start = dayStart; start <= currentHour; start += HOUR_MS) hours.push(start);
  const live = await counters.read(ctx.tenantId, hours);
  const records = await ctx.em.find(UsageRecord, {
    tenant: ctx.tenantId,
    metric: 'api_calls',
    periodStart: { $gte: new Date(dayStart), $lte: new Date(currentHour) },
  });
  const recorded = new Map(records.map((record) => [record.periodStart.getTime(), record.quantity]));
  let today = 0;
  let thisHour = 0;
  hours.forEach((start, index) => {
    const count = Math.max(live[index] ?? 0, recorded.get(start) ?? 0);
    today += count;
    if (start === currentHour) thisHour = count;
  });
  return { today, thisHour };
}

/** The brief's usage shape (camelCase; the REST mirror answers in the brief's snake_case), plus how much of each limit is used. */
export async function getUsage(ctx: TenantContext, counters: ApiCallCounterReader): Promise<UsageReport> {
  const tenant = await ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId });
  const activeMembers = await activeSeatCount(ctx.em, ctx.tenantId);
  const storageGb = (await latestStorageBytes(ctx.em, ctx.tenantId)) / BYTES_PER_GB;
  const calls = await apiCallsToday(ctx, counters);
  const maxUsers = tenant.maxUsers ?? null;
  return {
    users: {
      current: activeMembers,
      limit: maxUsers,
      percent: maxUsers === null ? null : percentOf(activeMembers, maxUsers),
    },
    storage: {
      usedGb: Math.round(storageGb * 100) / 100,
      limitGb: tenant.storageLimitGb,
      percent: percentOf(storageGb, tenant.storageLimitGb),
    },
    apiCalls: {
      today: calls.today,
      thisHour: calls.thisHour,
      limit: tenant.apiRateLimit,
      percent: percentOf(calls.thisHour, tenant.apiRateLimit),
    },
    measuredAt: ctx.now,
  };
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
