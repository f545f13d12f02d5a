import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role } from '../members/roles.js';

export interface MembershipSummary {
  tenantId: number;
  tenantUuid: string;
  tenantSlug: string;
  tenantName: string;
  tenantActive: boolean;
  role: Role;
  isActive: boolean;
}

/**
 * Every membership of one user, across tenants, without a global membership table: inside a
 * global unit of work the `member_self_lookup` policy lets exactly this user's rows through for
 * the moment the setting is set. Call only with a user id that was just authenticated.
 * Most recently used first.
 */
export async function membershipsOf(em: EntityManager, userId: string): Promise<MembershipSummary[]> {
  await em.execute("select set_config('app.current_user_id', ?, true)", [userId]);
  const rows = await em.execute<
    {
      tenant_id: number;
      tenant_uuid: string;
      slug: string;
      name: string;
      tenant_active: boolean;
      role: Role;
      is_active: boolean;
    }[]
  >(
    `select tu.tenant_id, t.tenant_uuid, t.slug, t.name, t.is_active as tenant_active, tu.role, tu.is_active
       from tenant_users tu join tenants t on t.id = tu.tenant_id
      where tu.user_id = ?
      order by tu.last_active_at desc nulls last, tu.joined_at asc`,
    [userId],
  );
  // Narrow the transaction again at once (it ends soon anyway: the setting is transaction-local).
  await em.execute("select set_config('app.current_user_id', '', true)");
  return rows.map((row) => ({
    tenantId: row.tenant_id,
    tenantUuid: row.tenant_uuid,
    tenantSlug: row.slug,
    tenantName: row.name,
    tenantActive: row.tenant_active,
    role: row.role,
    isActive: row.is_active,
  }));
}
