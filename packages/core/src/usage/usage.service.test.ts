import { describe, expect, it } from 'vitest';
import { hourStart } from '../request/gate.js';
import { createTenantWithMembers } from '../testing/fixtures.js';
import { useTestDatabase } from '../testing/harness.js';
import { useServiceDeps } from '../testing/service-deps.js';
import { type ApiCallCounterReader, getUsage, readUsage } from './usage.service.js';
import { UsageRecord } from './usage-record.entity.js';

const database = useTestDatabase();
const deps = useServiceDeps(() => database.db);
const HOUR_MS = 60 * 60 * 1000;

describe('readUsage', () => {
  it('reports what getUsage reports: seats, storage and the day’s API calls, each hour once', async () => {
    const { tenantId } = await createTenantWithMembers(database.db, `Usage ${Math.random()}`);
    // Late enough in the UTC day for earlier hours to exist.
    const now = new Date(Date.UTC(2026, 11, 2, 15, 20));
    const current = hourStart(now.getTime());
    await database.db.inTenant(tenantId, async (em) => {
      em.create(UsageRecord, {
        tenant: tenantId,
        metric: 'storage_bytes',
        periodStart: new Date(current - HOUR_MS),
        quantity: 3 * 1024 ** 3,
      });
      em.create(UsageRecord, {
        tenant: tenantId,
        metric: 'api_calls',
        periodStart: new Date(current - 2 * HOUR_MS),
        quantity: 40,
      });
      em.create(UsageRecord, { tenant: tenantId, metric: 'api_calls', periodStart: new Date(current), quantity: 5 });
      // Yesterday's hour is not today's.
      em.create(UsageRecord, {
        tenant: tenantId,
        metric: 'api_calls',
        periodStart: new Date(current - 24 * HOUR_MS),
        quantity: 999,
      });
      await em.flush();
    });
    // The live counter of the current hour is ahead of its record.
    const counters: ApiCallCounterReader = {
      read: async (_tenant, hours) => hours.map((start) => (start === current ? 7 : null)),
    };
    const viaOrm = await deps.run(tenantId, (ctx) => getUsage(ctx, counters), { now });
    const hot = await readUsage(database.db.readOnly(), tenantId, counters, now);
    expect(hot).toStrictEqual(viaOrm);
    expect(hot).toMatchObject({
      users: { current: 4 },
      storage: { usedGb: 3 },
      apiCalls: { today: 47, thisHour: 7 },
      measuredAt: now,
    });
  });
});
