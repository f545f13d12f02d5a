import type { EntityManager } from '@mikro-orm/postgresql';
import type { ExportScope } from './data-rights.entity.js';

/** The columns of `users` an archive holds: who members are, never how they sign in. */
export const USER_EXPORT_COLUMNS = [
  'id',
  'email',
  'full_name',
  'is_active',
  'last_sign_in_at',
  'password_changed_at',
  'mfa_enabled_at',
  'created_at',
  'updated_at',
] as const;

/**
 * Secrets left out of every archive, by table: credentials, and pending effects' payloads, which
 * may carry an API key's hash (api_key.put). `users` is exported by allowlist instead, so a secret
 * column added to it later stays out without a change here.
 */
export const SECRET_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  auth_sessions: ['refresh_token_hash', 'previous_refresh_token_hashes'],
  api_keys: ['secret_hash'],
  tenant_invitations: ['invitation_token_hash'],
  tenant_outbox: ['payload'],
};

/**
 * Which rows of a table a personal export holds, as a condition on the row `t`: the subject is
 * `current_setting('app.export_subject')`, their address `current_setting('app.export_email')`
 * (set by the building unit of work, so no value is ever spliced into SQL text).
 */
const SUBJECT = "current_setting('app.export_subject')::uuid";
const PERSONAL_ROWS: Readonly<Record<string, string>> = {
  users: `t.id = ${SUBJECT}`,
  tenant_users: `t.user_id = ${SUBJECT}`,
  tenant_audit_logs: `t.user_id = ${SUBJECT}`,
  auth_sessions: `t.user_id = ${SUBJECT}`,
  api_keys: `t.created_by_user_id = ${SUBJECT}`,
  tenant_files: `t.uploaded_by_user_id = ${SUBJECT}`,
  tenant_invitations: `(lower(t.email) = current_setting('app.export_email') or t.accepted_by_user_id = ${SUBJECT})`,
  tenant_support_tickets: `t.opened_by_user_id = ${SUBJECT}`,
  tenant_support_ticket_messages: `t.author_user_id = ${SUBJECT}`,
  analytics_events: `t.user_id = ${SUBJECT}`,
  tenant_data_exports: `(t.subject_user_id = ${SUBJECT} or t.requested_by_user_id = ${SUBJECT})`,
};

const CURRENT_TENANT = "current_setting('app.current_tenant_id')::int";

/** One table as an archive holds it: what it exports and the query that yields its rows. */
export interface ArchiveTable {
  table: string;
  columns: string[];
  omittedColumns: string[];
  primaryKey: string[];
  /** One `row` (jsonb) per exported row, in primary-key order. */
  query: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`unexpected identifier in the catalog: ${name}`);
  return `"${name}"`;
}

/** Tenant rows of a table, or the tenant itself, or its members' accounts. */
function tenantRows(table: string): string {
  if (table === 'tenants') return `t.id = ${CURRENT_TENANT}`;
  if (table === 'users') {
    return `exists (select 1 from tenant_users tu where tu.tenant_id = ${CURRENT_TENANT} and tu.user_id = t.id)`;
  }
  return `t.tenant_id = ${CURRENT_TENANT}`;
}

function rowExpression(table: string, omitted: string[]): string {
  const row = `to_jsonb(t) - array[${omitted.map((column) => `'${identifier(column).slice(1, -1)}'`).join(', ')}]::text[]`;
  // Secret settings stay secret: their keys and metadata are exported, their values are not.
  if (table === 'tenant_settings') return `case when t.is_encrypted then (${row}) || '{"value": null}' else ${row} end`;
  return row;
}

/**
 * The tables an archive of this scope holds, read from the live catalog: every table with a
 * tenant_id column, plus `tenants` and `users` — so a table added later is exported without a
 * change here. A personal export keeps the tables that hold the subject's own rows.
 */
export async function archiveTables(em: EntityManager, scope: ExportScope): Promise<ArchiveTable[]> {
  const rows = await em.execute<{ table_name: string; columns: string[]; primary_key: string[] }[]>(
    `select c.relname as table_name,
            array(select a.attname::text from pg_attribute a
                   where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum) as columns,
            array(select a.attname::text from pg_index x
                    cross join lateral unnest(x.indkey::int2[]) with ordinality k(attnum, ord)
                    join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
                   where x.indrelid = c.oid and x.indisprimary order by k.ord) as primary_key
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p')
        and (c.relname in ('tenants', 'users')
             or exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped))
      order by c.relname`,
  );
  const tables: ArchiveTable[] = [];
  for (const { table_name: table, columns: all, primary_key: primaryKey } of rows) {
    const personal = PERSONAL_ROWS[table];
    if (scope === 'personal' && !personal) continue;
    const omittedColumns =
      table === 'users'
        ? all.filter((column) => !(USER_EXPORT_COLUMNS as readonly string[]).includes(column))
        : all.filter((column) => SECRET_COLUMNS[table]?.includes(column));
    const where = scope === 'personal' ? `${tenantRows(table)} and ${personal}` : tenantRows(table);
    const order = (primaryKey.length > 0 ? primaryKey : all).map((column) => `t.${identifier(column)}`).join(', ');
    tables.push({
      table,
      columns: all.filter((column) => !omittedColumns.includes(column)),
      omittedColumns,
      primaryKey,
      query: `select ${rowExpression(table, omittedColumns)} as row from ${identifier(table)} t where ${where} order by ${order}`,
    });
  }
  return tables;
}

/** The stored files an archive of this scope carries, in id order. */
export function archiveFilesQuery(scope: ExportScope): string {
  const mine = scope === 'personal' ? ` and ${PERSONAL_ROWS.tenant_files}` : '';
  return `select t.id, t.name, t.content_type, t.size_bytes, t.sha256, t.storage_key from tenant_files t
           where t.tenant_id = ${CURRENT_TENANT} and t.status = 'stored'${mine} order by t.id`;
}
