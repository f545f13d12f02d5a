import { describe, expect, it } from 'vitest';
import { TenantUser } from '../members/tenant-user.entity.js';
import { measureTenantUsage } from '../metering/measure.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { createTenantWithMembers, useServiceDeps, useTestDatabase } from '../testing/index.js';
import { findOrCreateUser } from '../users/user.service.js';

const database = useTestDatabase();
const deps = useServiceDeps(() => database.db);
const HOUR = 3_600_000;

async function addMembers(tenantId: number, count: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const user = await database.db.inGlobal((em) =>
      findOrCreateUser(em, { email: `${tag}-${i}@example.com`, fullName: `${tag} ${i}` }),
    );
    ids.push(user.id);
  }
  await database.db.inTenant(tenantId, async (em) => {
    for (const id of ids) em.create(TenantUser, { tenant: tenantId, user: id, role: 'member' });
  });
  return ids;
}

const measure = (tenantId: number, now: Date) =>
  deps.run(tenantId, async (ctx) => measureTenantUsage(ctx, await ctx.em.findOneOrFail(Tenant, { id: tenantId })), {
    now,
  });

const seatAlerts = (tenantId: number) =>
  database.db.inTenant(tenantId, (em) =>
    em.execute<{ threshold_percent: number; period_start: string; rearmed_at: string | null }[]>(
      `select threshold_percent, period_start, rearmed_at from tenant_limit_alerts where "limit" = 'seats' order by period_start, threshold_percent`,
    ),
  );

describe('seat and storage measurement with alerts', () => {
  it('measures seats (active members) and storage (bytes of the tenant rows)', async () => {
    const t = await createTenantWithMembers(database.db, 'Measured Co', 'basic');
    const first = await measure(t.tenantId, new Date());
    expect(first.seats).toBe(4);
    expect(first.storageBytes).toBeGreaterThan(0);
    // A 20 kB analytics payload (incompressible) grows the measured storage by about that much.
    const payload = Array.from({ length: 2000 }, (_, i) => `${i}-${Math.random().toString(36)}`).join('');
    await database.db.inTenant(t.tenantId, (em) =>
      em.execute(
        `insert into analytics_events (tenant_id, id, event_type, event_data) values (?, gen_random_uuid(), 'x', ?)`,
        [t.tenantId, JSON.stringify({ payload })],
      ),
    );
    const second = await measure(t.tenantId, new Date());
    expect(second.storageBytes - first.storageBytes).toBeGreaterThan(payload.length * 0.9);
    // Another tenant's rows are not counted.
    const other = await createTenantWithMembers(database.db, 'Other Measured', 'basic');
    expect((await measure(other.tenantId, new Date())).storageBytes).toBeLessThan(second.storageBytes);
  });

  it('raises the 80% seat alert once, re-arms it when seats fall back, and raises it again later', async () => {
    const t = await createTenantWithMembers(database.db, 'Seats Co', 'basic');
    const extra = await addMembers(t.tenantId, 4, 'seats-co');
    const start = Date.now();
    await measure(t.tenantId, new Date(start));
    await measure(t.tenantId, new Date(start + 10 * 60_000));
    await measure(t.tenantId, new Date(start + HOUR)); // still 8/10 an hour later: not raised again
    expect((await seatAlerts(t.tenantId)).map((a) => [a.threshold_percent, a.rearmed_at])).toEqual([[80, null]]);

    await database.db.inTenant(t.tenantId, (em) =>
      em.execute('update tenant_users set is_active = false where user_id in (?)', [extra]),
    );
    await measure(t.tenantId, new Date(start + 2 * HOUR));
    expect((await seatAlerts(t.tenantId))[0]?.rearmed_at).not.toBeNull();

    await database.db.inTenant(t.tenantId, (em) =>
      em.execute('update tenant_users set is_active = true where user_id in (?)', [extra]),
    );
    await measure(t.tenantId, new Date(start + 3 * HOUR));
    const alerts = await seatAlerts(t.tenantId);
    expect(alerts.map((a) => a.threshold_percent)).toEqual([80, 80]);
    expect(new Date(alerts[1]?.period_start ?? 0).getTime()).toBe(Math.floor((start + 3 * HOUR) / HOUR) * HOUR);

    // Each raise queued one email to the admin, keyed by its cause.
    const queued = await deps.services.jobs.queue('emails').getJobs(['waiting', 'delayed']);
    const seatMails = queued.filter((job) => job.data.template === 'limit_alert' && job.data.tenantId === t.tenantId);
    expect(seatMails.map((job) => job.data.to)).toEqual(['admin@seats-co.test', 'admin@seats-co.test']);
    expect(new Set(seatMails.map((job) => job.data.dedupeKey)).size).toBe(2);
  });

  it('never alerts on unlimited seats (enterprise)', async () => {
    const t = await createTenantWithMembers(database.db, 'Unlimited Co', 'enterprise');
    await addMembers(t.tenantId, 30, 'unlimited-co');
    await measure(t.tenantId, new Date());
    expect(await seatAlerts(t.tenantId)).toEqual([]);
  });
});
