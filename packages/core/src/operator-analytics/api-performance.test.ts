import { describe, expect, it } from 'vitest';
import { createTenantWithMembers, useServiceDeps, useTestDatabase } from '../testing/index.js';
import {
  API_PERFORMANCE_RETENTION_DAYS,
  ApiPerformanceRecorder,
  apiPerformanceByTenant,
  flushApiPerformance,
  p95FromBuckets,
  tenantApiPerformanceHours,
} from './api-performance.js';

const database = useTestDatabase();
const deps = useServiceDeps(() => database.db);
const HOUR = 3_600_000;

describe('per-tenant API performance', () => {
  it('takes the p95 as the upper bound of the bucket holding the 95th-percentile call', () => {
    // 100 calls: 90 within 50 ms, 6 within 250 ms, 4 slower than 10 s. Rank 95 falls in the 250 ms bucket.
    const buckets = [0, 0, 0, 90, 0, 6, 0, 0, 0, 0, 0, 4];
    expect(p95FromBuckets(buckets)).toBe(250);
    expect(p95FromBuckets([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])).toBe(10_000);
    expect(p95FromBuckets(Array(12).fill(0))).toBeNull();
  });

  it('counts calls, errors and latency per tenant and hour in Redis, copies them once, and keeps tenants apart', async () => {
    const alpha = await createTenantWithMembers(database.db, 'Perf Alpha');
    const beta = await createTenantWithMembers(database.db, 'Perf Beta');
    const recorder = new ApiPerformanceRecorder(deps.redis, deps.prefix, (error) => {
      throw error;
    });
    const now = Date.now();
    // Alpha this hour: 19 answers in 20 ms, one 500 after 700 ms, two 429s in 3 ms.
    for (let call = 0; call < 19; call++) recorder.record(alpha.tenantId, 200, 20, now);
    await recorder.flush();
    recorder.record(alpha.tenantId, 500, 700, now);
    recorder.record(alpha.tenantId, 429, 3, now);
    recorder.record(alpha.tenantId, 429, 3, now);
    // Beta two hours ago (a closed hour): three answers in 60 ms.
    for (let call = 0; call < 3; call++) recorder.record(beta.tenantId, 200, 60, now - 2 * HOUR);
    await recorder.flush();

    const summary = await flushApiPerformance({ db: database.db, redis: deps.redis, prefix: deps.prefix });
    expect(summary).toEqual({ hours: 2, tenants: 2 });
    // A second copy changes nothing: rows are set to Redis' totals, never added to.
    await flushApiPerformance({ db: database.db, redis: deps.redis, prefix: deps.prefix });
    // The closed hour's key is gone once copied; the open hour's stays for later calls.
    expect(await deps.redis.keys(`${deps.prefix}:perf:*`)).toHaveLength(1);

    const rows = await database.db.inPlatformRead((em) =>
      apiPerformanceByTenant(em, new Date(now), { hours: 24, limit: 10 }),
    );
    expect(rows).toEqual([
      {
        tenantUuid: alpha.tenantUuid,
        name: 'Perf Alpha',
        calls: 22,
        errorRate: 1 / 22,
        refusalRate: 2 / 22,
        // Ranks 1–2 in 5 ms, 3–21 in 25 ms: rank ⌈0.95 × 22⌉ = 21 is in the 25 ms bucket.
        p95Ms: 25,
      },
      { tenantUuid: beta.tenantUuid, name: 'Perf Beta', calls: 3, errorRate: 0, refusalRate: 0, p95Ms: 100 },
    ]);
    // The last hour only: Beta's calls two hours ago are outside it.
    const lastHour = await database.db.inPlatformRead((em) =>
      apiPerformanceByTenant(em, new Date(now), { hours: 1, limit: 10 }),
    );
    expect(lastHour.map((row) => row.name)).toEqual(['Perf Alpha']);
    const hours = await database.db.inPlatformRead((em) =>
      tenantApiPerformanceHours(em, beta.tenantId, new Date(now), 24),
    );
    expect(hours).toEqual([
      {
        hour: new Date(Math.floor((now - 2 * HOUR) / HOUR) * HOUR),
        calls: 3,
        errorRate: 0,
        refusalRate: 0,
        p95Ms: 100,
      },
    ]);

    // Row-level security alone (raw SQL, no ORM filter): a tenant's unit of work sees its own hours only.
    const seen = await database.db.inTenant(alpha.tenantId, (em) =>
      em.execute<{ tenant_id: number }[]>('select tenant_id from tenant_api_performance'),
    );
    expect(seen.map((row) => Number(row.tenant_id))).toEqual([alpha.tenantId]);
  });

  it('deletes hours past the retention when a closed hour is copied, for that tenant only', async () => {
    const kept = await createTenantWithMembers(database.db, 'Perf Kept');
    const pruned = await createTenantWithMembers(database.db, 'Perf Pruned');
    const now = Date.now();
    const old = new Date(Math.floor((now - (API_PERFORMANCE_RETENTION_DAYS + 1) * 24 * HOUR) / HOUR) * HOUR);
    const recent = new Date(Math.floor((now - 24 * HOUR) / HOUR) * HOUR);
    for (const tenant of [kept, pruned]) {
      await database.db.inTenant(tenant.tenantId, async (em) => {
        for (const hour of [old, recent]) {
          await em.execute(
            `insert into tenant_api_performance (tenant_id, hour_start, calls, client_errors, server_errors, latency_buckets, updated_at)
             values (?, ?, 1, 0, 0, '[]', now())`,
            [tenant.tenantId, hour],
          );
        }
      });
    }
    const recorder = new ApiPerformanceRecorder(deps.redis, deps.prefix, (error) => {
      throw error;
    });
    recorder.record(pruned.tenantId, 200, 20, now - 2 * HOUR);
    await recorder.flush();
    await flushApiPerformance({ db: database.db, redis: deps.redis, prefix: deps.prefix });

    const hoursOf = (tenantId: number) =>
      database.db.inTenant(tenantId, async (em) =>
        (await em.execute<{ hour_start: Date }[]>('select hour_start from tenant_api_performance order by 1')).map(
          (row) => new Date(row.hour_start).getTime(),
        ),
      );
    expect(await hoursOf(pruned.tenantId)).toEqual([recent.getTime(), Math.floor((now - 2 * HOUR) / HOUR) * HOUR]);
    expect(await hoursOf(kept.tenantId)).toEqual([old.getTime(), recent.getTime()]);
  });
});
