import { describe, expect, it } from 'vitest';
import { TenantAuditLog } from '../audit/audit-log.entity.js';
import { TenantUser } from '../members/tenant-user.entity.js';
import { TenantSetting } from '../settings/setting.entity.js';
import { createTenantWithMembers, type TenantFixture } from '../testing/fixtures.js';
import { createTestDatabase, rawClient, useTestDatabase } from '../testing/harness.js';
import { CrossTenantWriteError } from './tenant-write-guard.js';

const database = useTestDatabase();

async function twoTenants(): Promise<[TenantFixture, TenantFixture]> {
  const a = await createTenantWithMembers(database.db, `Alpha ${Math.random()}`);
  const b = await createTenantWithMembers(database.db, `Beta ${Math.random()}`);
  for (const t of [a, b]) {
    await database.db.inTenant(t.tenantId, async (em) => {
      em.create(TenantSetting, { tenant: t.tenantId, category: 'general', key: 'timezone', value: 'UTC' });
      em.create(TenantAuditLog, { tenant: t.tenantId, action: 'tenant.created', details: {} });
      await em.flush();
    });
  }
  return [a, b];
}

describe('database layer (row-level security) with the ORM filter switched off', () => {
  it('shows only the current tenant’s rows', async () => {
    const [a, b] = await twoTenants();
    const seen = await database.db.inTenant(a.tenantId, async (em) => {
      const members = await em.find(TenantUser, {}, { filters: false });
      const settings = await em.find(TenantSetting, {}, { filters: false });
      const raw = await em.execute<{ tenant_id: number }[]>('select tenant_id from tenant_users');
      return { members, settings, raw };
    });
    expect(seen.members).toHaveLength(4);
    expect(seen.members.every((m) => m.tenant.id === a.tenantId)).toBe(true);
    expect(seen.settings.map((s) => s.tenant.id)).toEqual([a.tenantId]);
    expect(new Set(seen.raw.map((r) => r.tenant_id))).toEqual(new Set([a.tenantId]));
    // B's members exist; only the policy hides them.
    const bCount = await database.db.inTenant(b.tenantId, (em) => em.count(TenantUser, {}, { filters: false }));
    expect(bCount).toBe(4);
  });

  it('refuses to update, delete, insert into or move rows to another tenant', async () => {
    const [a, b] = await twoTenants();
    await database.db.inTenant(a.tenantId, async (em) => {
      const updated = await em.nativeUpdate(TenantUser, { tenant: b.tenantId }, { role: 'viewer' }, { filters: false });
      expect(updated).toBe(0);
      const deleted = await em.nativeDelete(TenantSetting, { tenant: b.tenantId }, { filters: false });
      expect(deleted).toBe(0);
    });
    await expect(
      database.db.inTenant(a.tenantId, (em) =>
        em.execute(
          "insert into tenant_settings (tenant_id, id, category, key, value) values (?, gen_random_uuid(), 'general', 'x', '1')",
          [b.tenantId],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      database.db.inTenant(a.tenantId, (em) =>
        em.execute('update tenant_settings set tenant_id = ? where tenant_id = ?', [b.tenantId, a.tenantId]),
      ),
    ).rejects.toThrow(/row-level security/);
    const bRole = await database.db.inTenant(b.tenantId, (em) =>
      em.findOneOrFail(TenantUser, { tenant: b.tenantId, user: b.users.admin }),
    );
    expect(bRole.role).toBe('admin');
  });

  it('shows nothing and writes nothing when no tenant is set', async () => {
    const [a] = await twoTenants();
    const client = await rawClient(database.appUrl);
    try {
      const { rows } = await client.query('select count(*)::int as n from tenant_users');
      expect(rows[0].n).toBe(0);
      await expect(
        client.query(
          "insert into tenant_settings (tenant_id, id, category, key, value) values ($1, gen_random_uuid(), 'general', 'y', '1')",
          [a.tenantId],
        ),
      ).rejects.toThrow(/row-level security/);
      // A tenant set and then reset in the session reads as '' — still no rows, not an error.
      await client.query('begin');
      await client.query("select set_config('app.current_tenant_id', $1, true)", [String(a.tenantId)]);
      await client.query('commit');
      const after = await client.query('select count(*)::int as n from tenant_audit_logs');
      expect(after.rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
    // Global units of work see global tables but no tenant-scoped rows.
    const count = await database.db.inGlobal((em) => em.count(TenantUser, {}, { filters: false }));
    expect(count).toBe(0);
  });

  it('leaves nothing behind on a pooled connection after a tenant’s transaction', async () => {
    const single = await createTestDatabase({ poolMax: 1 });
    try {
      const a = await createTenantWithMembers(single.db, 'Solo');
      const inside = await single.db.inTenant(a.tenantId, (em) => em.count(TenantUser, {}, { filters: false }));
      expect(inside).toBe(4);
      const connection = single.db.orm.em.getConnection();
      const after = await connection.execute<{ n: number; tenant: string | null }[]>(
        "select (select count(*)::int from tenant_users) as n, current_setting('app.current_tenant_id', true) as tenant",
      );
      expect(after[0]?.n).toBe(0);
      expect(after[0]?.tenant ?? '').toBe('');
    } finally {
      await single.drop();
    }
  });

  it('never crosses tenants across hundreds of concurrent units of work on a small pool', async () => {
    const [a, b] = await twoTenants();
    const runs = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? a : b));
    const results = await Promise.all(
      runs.map((tenant) =>
        database.db.inTenant(tenant.tenantId, async (em) => {
          // A tiny sleep interleaves transactions on the pool's connections.
          const rows = await em.execute<{ tenant_id: number }[]>('select tenant_id from tenant_users, pg_sleep(0.001)');
          const orm = await em.find(TenantSetting, {}, { filters: false });
          return { expected: tenant.tenantId, seen: [...rows.map((r) => r.tenant_id), ...orm.map((s) => s.tenant.id)] };
        }),
      ),
    );
    for (const { expected, seen } of results) {
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((id) => id === expected)).toBe(true);
    }
  });
});

describe('application layer (ORM filter) with row-level security switched off', () => {
  // As the owner with FORCE removed, PostgreSQL no longer hides anything: only the ORM stands.
  async function withoutRls<T>(work: (db: Awaited<ReturnType<typeof createTestDatabase>>) => Promise<T>) {
    const scratch = await createTestDatabase();
    const owner = await rawClient(scratch.ownerUrl);
    try {
      await owner.query('alter table tenant_users disable row level security');
      await owner.query('alter table tenant_settings disable row level security');
      return await work(scratch);
    } finally {
      await owner.end();
      await scratch.drop();
    }
  }

  it('narrows reads to the unit of work’s tenant and refuses to write another tenant’s rows', async () => {
    await withoutRls(async (scratch) => {
      const a = await createTenantWithMembers(scratch.db, 'Filter A');
      const b = await createTenantWithMembers(scratch.db, 'Filter B');
      const { filtered, unfiltered } = await scratch.db.inTenant(a.tenantId, async (em) => ({
        filtered: await em.find(TenantUser, {}),
        unfiltered: await em.count(TenantUser, {}, { filters: false }),
      }));
      expect(unfiltered).toBe(8); // the database hides nothing now
      expect(filtered).toHaveLength(4);
      expect(filtered.every((m) => m.tenant.id === a.tenantId)).toBe(true);
      // Asking for B's rows explicitly still yields nothing through the filter.
      const leaked = await scratch.db.inTenant(a.tenantId, (em) => em.find(TenantUser, { tenant: b.tenantId }));
      expect(leaked).toEqual([]);
      await expect(
        scratch.db.inTenant(a.tenantId, async (em) => {
          em.create(TenantSetting, { tenant: b.tenantId, category: 'general', key: 'k', value: 1 });
          await em.flush();
        }),
      ).rejects.toThrow(CrossTenantWriteError);
      // Without a tenant unit of work the ORM refuses tenant-scoped queries outright.
      await expect(scratch.db.inGlobal((em) => em.find(TenantUser, {}))).rejects.toThrow(/filter/i);
    });
  });
});
