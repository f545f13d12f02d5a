import type { EntityManager } from '@mikro-orm/postgresql';

/** A column of this deployment's schema, as restore needs to know it. */
export interface TargetColumn {
  name: string;
  /** PostgreSQL's type name: `uuid`, `jsonb`, `text`, `character varying`, … */
  type: string;
  notNull: boolean;
  hasDefault: boolean;
  /** The column references users(id): an account that is not in the archive becomes null. */
  referencesUsers: boolean;
}

export interface TargetTable {
  name: string;
  columns: Map<string, TargetColumn>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** A catalog name quoted for SQL text; anything but a plain lowercase identifier is refused. */
export function quoted(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`unexpected identifier: ${name}`);
  return `"${name}"`;
}

/**
 * The tables a restore may write, read from the live catalog the way the export enumerates them:
 * every table with a tenant_id column, plus `tenants` and `users`. Reading the catalog is allowed
 * to any role and shows no rows.
 */
export async function targetSchema(em: EntityManager): Promise<Map<string, TargetTable>> {
  const rows = await em.execute<
    {
      table_name: string;
      column_name: string;
      type_name: string;
      not_null: boolean;
      has_default: boolean;
      references_users: boolean;
    }[]
  >(
    `select c.relname as table_name, a.attname as column_name, t.typname as type_name,
            a.attnotnull as not_null, a.atthasdef or a.attidentity <> '' as has_default,
            exists (select 1 from pg_constraint k
                     where k.conrelid = c.oid and k.contype = 'f' and k.confrelid = 'public.users'::regclass
                       and k.conkey = array[a.attnum]) as references_users
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       join pg_type t on t.oid = a.atttypid
      where n.nspname = 'public' and c.relkind in ('r', 'p')
        and (c.relname in ('tenants', 'users')
             or exists (select 1 from pg_attribute x where x.attrelid = c.oid and x.attname = 'tenant_id' and not x.attisdropped))
      order by c.relname, a.attnum`,
  );
  const tables = new Map<string, TargetTable>();
  for (const row of rows) {
    let table = tables.get(row.table_name);
    if (!table) {
      table = { name: row.table_name, columns: new Map() };
      tables.set(row.table_name, table);
    }
    table.columns.set(row.column_name, {
      name: row.column_name,
      type: row.type_name === 'varchar' || row.type_name === 'bpchar' ? 'text' : row.type_name,
      notNull: row.not_null,
      hasDefault: row.has_default,
      referencesUsers: row.references_users,
    });
  }
  return tables;
}
