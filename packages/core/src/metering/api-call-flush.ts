import type { Redis } from 'ioredis';
import { evaluateLimitAlerts } from '../alerts/limit-alerts.js';
import type { Database } from '../db/database.js';
import { SYSTEM_ACTOR } from '../jobs/tenant-job.js';
import { hourStart } from '../request/gate.js';
import { type ServiceDeps, tenantContext } from '../services/context.js';
import { Tenant } from '../tenants/tenant.entity.js';

const HOUR_MS = 60 * 60 * 1000;
/**
 * A counter is final once its hour has ended and every api node's clock has surely left it. Only then
 * is it deleted (after its value is safely in PostgreSQL); until then every flush re-copies it.
 */
export const CLOSED_HOUR_GRACE_MS = 5 * 60 * 1000;

/** Deletes a counter only if it still holds the value that was copied, so a late increment survives. */
const DELETE_IF_UNCHANGED = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

interface Counter {
  key: string;
  tenantId: number;
  hourStartMs: number;
  value: number;
}

export interface FlushDeps {
  db: Database;
  redis: Redis;
  prefix: string;
  services: ServiceDeps;
}

export interface FlushSummary {
  counters: number;
  tenants: number;
  /** Tenants that had counters but no row (deleted): their counters are left to expire. */
  unknownTenants: number[];
}

/**
 * Copies every hourly API-call counter from Redis into `tenant_usage_records` (metric `api_calls`).
 *
 * The copy is an absolute value, never an increment: the record for (tenant, hour) is set to the
 * counter's value, and only ever raised (`where quantity < excluded.quantity`), because a counter only
 * grows. So a flush killed at any point, retried, or run twice at once can neither lose a call (the
 * counter is still in Redis until its final value is in PostgreSQL) nor count one twice. Each tenant
 * is its own unit of work, in tenant id order, which also evaluates the tenant's API-call alerts.
 */
export async function flushApiCallCounters(deps: FlushDeps, now = new Date()): Promise<FlushSummary> {
  const byTenant = groupByTenant(await readCounters(deps.redis, deps.prefix));
  const currentHour = hourStart(now.getTime());
  const unknownTenants: number[] = [];
  let counters = 0;

  for (const [tenantId, tenantCounters] of byTenant) {
    const known = await deps.db.inTenant(tenantId, async (em) => {
      const tenant = await em.findOne(Tenant, { id: tenantId });
      if (!tenant) return false;
      const ctx = tenantContext(em, tenantId, SYSTEM_ACTOR, deps.services);
      let changed = false;
      for (const counter of tenantCounters) {
        const rows = await em.execute<unknown[]>(
          `insert into tenant_usage_records (tenant_id, metric, period_start, quantity, updated_at)
           values (?, 'api_calls', ?, ?, now())
           on conflict (tenant_id, metric, period_start) do update set quantity = excluded.quantity, updated_at = now()
             where tenant_usage_records.quantity < excluded.quantity
           returning 1`,
          [tenantId, new Date(counter.hourStartMs), counter.value],
        );
        changed ||= rows.length > 0;
      }
      const thisHour = tenantCounters.find((counter) => counter.hourStartMs === currentHour)?.value ?? 0;
      await evaluateLimitAlerts(ctx, tenant, { api_calls: thisHour });
      if (changed) ctx.publish('usage.updated', { metric: 'api_calls', thisHour });
      return true;
    });
    if (!known) {
      unknownTenants.push(tenantId);
      continue;
    }
    counters += tenantCounters.length;
    for (const counter of tenantCounters) {
      if (counter.hourStartMs + HOUR_MS + CLOSED_HOUR_GRACE_MS <= now.getTime()) {
        await deps.redis.eval(DELETE_IF_UNCHANGED, 1, counter.key, String(counter.value));
      }
    }
  }
  return { counters, tenants: byTenant.size - unknownTenants.length, unknownTenants };
}

/** Every counter under the prefix, found with SCAN (the request path stays one round trip). */
async function readCounters(redis: Redis, prefix: string): Promise<Counter[]> {
  const head = `${prefix}:calls:`;
  const counters: Counter[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${head}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length === 0) continue;
    const values = await redis.mget(...keys);
    keys.forEach((key, index) => {
      const [tenant, hour] = key.slice(head.length).split(':');
      const value = Number(values[index]);
      const tenantId = Number(tenant);
      const hourStartMs = Number(hour);
      if (Number.isSafeInteger(tenantId) && tenantId > 0 && Number.isSafeInteger(hourStartMs) && value > 0) {
        counters.push({ key, tenantId, hourStartMs, value });
      }
    });
  } while (cursor !== '0');
  return counters;
}

function groupByTenant(counters: Counter[]): Map<number, Counter[]> {
  const groups = new Map<number, Counter[]>();
  for (const counter of counters.sort((a, b) => a.tenantId - b.tenantId || a.hourStartMs - b.hourStartMs)) {
    const group = groups.get(counter.tenantId) ?? [];
    group.push(counter);
    groups.set(counter.tenantId, group);
  }
  return groups;
}
