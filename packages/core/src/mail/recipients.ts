import type { EntityManager } from '@mikro-orm/postgresql';
import type { TenantEntity } from '../tenants/tenant.entity.js';

export interface Recipient {
  /** Stable id for dedupe keys: the user id, or `contact` for the tenant's contact address. */
  id: string;
  email: string;
  name: string;
}

/**
 * The tenant's active admins, who receive alerts and lifecycle mail; the tenant's contact address
 * when it has none (e.g. right after provisioning). Runs inside the tenant's unit of work.
 */
export async function tenantAdmins(em: EntityManager, tenant: TenantEntity): Promise<Recipient[]> {
  const rows = await em.execute<{ id: string; email: string; full_name: string }[]>(
    `select u.id, u.email, u.full_name
       from tenant_users tu join users u on u.id = tu.user_id
      where tu.tenant_id = ? and tu.role = 'admin' and tu.is_active and u.is_active
      order by u.email`,
    [tenant.id],
  );
  if (rows.length) return rows.map((row) => ({ id: row.id, email: row.email, name: row.full_name }));
  return [{ id: 'contact', email: tenant.adminEmail, name: tenant.adminName }];
}
