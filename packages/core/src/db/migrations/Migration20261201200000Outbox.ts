import { Migration } from '@mikro-orm/migrations';
import { tenantIsolationSql } from './Migration20261127000000Initial.js';

const columns = `"id" uuid not null, "kind" varchar(100) not null, "payload" jsonb not null, "created_at" timestamptz not null default now(), "attempts" int not null default 0, "next_attempt_at" timestamptz not null, "last_error" text null`;

const schema = [
  `create table "tenant_outbox" ("tenant_id" int not null, ${columns}, constraint "tenant_outbox_pkey" primary key ("tenant_id", "id"))`,
  `create index "tenant_outbox_due_index" on "tenant_outbox" ("next_attempt_at", "tenant_id")`,
  // Effects of global units of work (account mail such as password resets) belong to no tenant.
  `create table "global_outbox" (${columns}, constraint "global_outbox_pkey" primary key ("id"))`,
  `create index "global_outbox_due_index" on "global_outbox" ("next_attempt_at")`,
];

/**
 * The sweeper must find the tenants whose effects are waiting without being able to read their
 * rows: this function runs as the owner and returns tenant ids only; the rows themselves are then
 * read in each tenant's own unit of work, under its row-level security. FORCE binds the owner too,
 * so the owner gets a read-only policy of its own, which the app role does not match.
 */
const sweeperAccess = [
  `do $$ begin execute format('create policy outbox_sweeper on "tenant_outbox" for select to %I using (true)', current_user); end $$`,
  `create function outbox_due_tenants(max_tenants int) returns table (tenant_id int)
     language sql stable security definer set search_path = public, pg_temp
     as $$ select distinct o.tenant_id from tenant_outbox o where o.next_attempt_at <= now() limit max_tenants $$`,
  'revoke all on function outbox_due_tenants(int) from public',
];

/** The transactional outbox: every side effect of a unit of work, written in its transaction. */
export class Migration20261201200000Outbox extends Migration {
  override async up(): Promise<void> {
    for (const statement of schema) this.addSql(statement);
    for (const statement of tenantIsolationSql('tenant_outbox')) this.addSql(statement);
    for (const statement of sweeperAccess) this.addSql(statement);
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists outbox_due_tenants(int)');
    this.addSql('drop table if exists "global_outbox" cascade');
    this.addSql('drop table if exists "tenant_outbox" cascade');
  }
}
