import { describe, expect, it } from 'vitest';
import { TenantUser } from '../members/tenant-user.entity.js';
import { createTenantWithMembers } from '../testing/fixtures.js';
import { rawClient, useTestDatabase } from '../testing/harness.js';
import { membershipsOf } from './memberships.js';

const database = useTestDatabase();

describe('a user’s own memberships', () => {
  it('are listed across tenants, and nobody else’s', async () => {
    const acme = await createTenantWithMembers(database.db, 'Acme Lookup');
    const globex = await createTenantWithMembers(database.db, 'Globex Lookup');
    await database.db.inTenant(globex.tenantId, async (em) => {
      em.create(TenantUser, { tenant: globex.tenantId, user: acme.users.viewer, role: 'manager' });
    });
    const memberships = await database.db.inGlobal((em) => membershipsOf(em, acme.users.viewer));
    expect(memberships.map((m) => [m.tenantId, m.role]).sort()).toEqual(
      [
        [acme.tenantId, 'viewer'],
        [globex.tenantId, 'manager'],
      ].sort(),
    );
  });

  it('are not reachable from the app role, whatever its connection sets', async () => {
    const acme = await createTenantWithMembers(database.db, 'Acme Hand Set');
    const globex = await createTenantWithMembers(database.db, 'Globex Hand Set');
    const client = await rawClient(database.appUrl);
    try {
      await client.query('begin');
      await client.query("select set_config('app.current_tenant_id', $1, true)", [String(globex.tenantId)]);
      await client.query("select set_config('app.current_user_id', $1, true)", [acme.users.admin]);
      const { rows } = await client.query<{ tenant_id: number }>('select tenant_id from tenant_users');
      expect(new Set(rows.map((row) => row.tenant_id))).toEqual(new Set([globex.tenantId]));
      await client.query('rollback');
    } finally {
      await client.end();
    }
  });

  it('open reads of the user’s own rows only to the global role, never writes, never outside the transaction', async () => {
    const acme = await createTenantWithMembers(database.db, 'Acme Policy');
    const client = await rawClient(database.globalUrl);
    try {
      await client.query('begin');
      await client.query("select set_config('app.current_user_id', $1, true)", [acme.users.admin]);
      const { rows } = await client.query<{ user_id: string }>('select user_id from tenant_users');
      expect(rows.map((row) => row.user_id)).toEqual([acme.users.admin]);
      const updated = await client.query("update tenant_users set role = 'viewer' where user_id = $1", [
        acme.users.admin,
      ]);
      expect(updated.rowCount).toBe(0);
      await expect(
        client.query('insert into tenant_users (tenant_id, id, user_id, role) values ($1, gen_random_uuid(), $2, $3)', [
          acme.tenantId,
          acme.users.admin,
          'admin',
        ]),
      ).rejects.toThrow(/row-level security/);
      await client.query('rollback');
      expect((await client.query('select user_id from tenant_users')).rows).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
