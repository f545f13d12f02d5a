import { createOrm } from './orm.js';

export interface MigrateOptions {
  /** Connection of the schema owner; migrations and grants run as it. */
  migrationUrl: string;
  /** Connection the apps use; its role receives data privileges and nothing more. */
  appUrl: string;
}

/** The role the app connects as, read from its URL so grants follow the configuration. */
export function appRoleOf(appUrl: string): string {
  const role = decodeURIComponent(new URL(appUrl).username);
  if (!/^[a-z_][a-z0-9_]*$/i.test(role)) throw new Error(`DATABASE_URL: unsupported role name "${role}"`);
  return role;
}

/**
 * Applies pending migrations as the owner, then grants the app role data access only: it owns
 * nothing, so it can neither disable row-level security nor change the schema. The audit log is
 * append-only for it. Safe to run on every start; it changes nothing when up to date.
 */
export async function migrate({ migrationUrl, appUrl }: MigrateOptions): Promise<string[]> {
  const appRole = appRoleOf(appUrl);
  const orm = await createOrm({ url: migrationUrl, poolMax: 1 });
  try {
    const applied = await orm.getMigrator().up();
    const connection = orm.em.getConnection();
    await connection.execute(`grant usage on schema public to "${appRole}"`);
    await connection.execute(`grant select, insert, update, delete on all tables in schema public to "${appRole}"`);
    await connection.execute(`revoke all on table mikro_orm_migrations from "${appRole}"`);
    await connection.execute(`revoke update, delete, truncate on table tenant_audit_logs from "${appRole}"`);
    await connection.execute(`grant usage, select on all sequences in schema public to "${appRole}"`);
    // The outbox sweeper lists tenants with waiting effects through this function only (see the migration).
    await connection.execute(`grant execute on function outbox_due_tenants(int) to "${appRole}"`);
    return applied.map((migration) => migration.name);
  } finally {
    await orm.close();
  }
}
