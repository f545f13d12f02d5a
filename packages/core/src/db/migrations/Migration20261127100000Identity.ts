import { Migration } from '@mikro-orm/migrations';
import { tenantIsolationSql } from './Migration20261127000000Initial.js';

const TENANT_SCOPED_TABLES = ['auth_sessions', 'api_keys'] as const;

const schema = [
  `alter table "users" add column "password_changed_at" timestamptz null, add column "password_token_hash" varchar(64) null, add column "password_token_purpose" text check ("password_token_purpose" in ('welcome', 'reset')) null, add column "password_token_expires_at" timestamptz null, add column "mfa_secret_encrypted" text null, add column "mfa_pending_secret_encrypted" text null, add column "mfa_enabled_at" timestamptz null, add column "mfa_last_used_step" int null, add column "mfa_recovery_code_hashes" jsonb not null default '[]'`,
  `create table "auth_sessions" ("tenant_id" int not null, "id" uuid not null, "user_id" uuid not null, "refresh_token_hash" varchar(64) not null, "previous_refresh_token_hashes" jsonb not null default '[]', "created_at" timestamptz not null default now(), "last_used_at" timestamptz not null default now(), "absolute_expires_at" timestamptz not null, "revoked_at" timestamptz null, "revoked_reason" varchar(50) null, "ip_address" inet null, "user_agent" text null, constraint "auth_sessions_pkey" primary key ("tenant_id", "id"))`,
  `create index "auth_sessions_tenant_id_user_id_index" on "auth_sessions" ("tenant_id", "user_id")`,
  `create table "api_keys" ("tenant_id" int not null, "id" uuid not null, "key_id" varchar(16) not null, "name" varchar(100) not null, "prefix" varchar(40) not null, "secret_hash" varchar(64) not null, "scopes" jsonb not null, "created_by_user_id" uuid null, "created_at" timestamptz not null default now(), "expires_at" timestamptz null, "revoked_at" timestamptz null, "revoked_by_user_id" uuid null, constraint "api_keys_pkey" primary key ("tenant_id", "id"))`,
  `alter table "api_keys" add constraint "api_keys_tenant_id_key_id_unique" unique ("tenant_id", "key_id")`,
  `alter table "auth_sessions" add constraint "auth_sessions_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
  `alter table "auth_sessions" add constraint "auth_sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade`,
  `alter table "api_keys" add constraint "api_keys_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
  `alter table "api_keys" add constraint "api_keys_created_by_user_id_foreign" foreign key ("created_by_user_id") references "users" ("id") on update cascade on delete set null`,
  `alter table "api_keys" add constraint "api_keys_revoked_by_user_id_foreign" foreign key ("revoked_by_user_id") references "users" ("id") on update cascade on delete set null`,
];

/**
 * A signed-in user may read their own memberships in every tenant (which organizations can I sign
 * in to or switch to?) without a global membership table. The setting is only ever set, inside one
 * transaction, to the id of a user whose password or session was just verified (users/memberships.ts);
 * the policy grants SELECT only, so writes stay confined to the tenant of the unit of work.
 */
const memberSelfLookup = `create policy member_self_lookup on "tenant_users" for select using (user_id = NULLIF(current_setting('app.current_user_id', true), '')::uuid)`;

/** Schema of the identity domain: sessions, API keys, and the users' password-link and MFA columns. */
export class Migration20261127100000Identity extends Migration {
  override async up(): Promise<void> {
    for (const statement of schema) this.addSql(statement);
    for (const table of TENANT_SCOPED_TABLES) {
      for (const statement of tenantIsolationSql(table)) this.addSql(statement);
    }
    this.addSql(memberSelfLookup);
  }

  override async down(): Promise<void> {
    this.addSql('drop policy if exists member_self_lookup on "tenant_users"');
    for (const table of [...TENANT_SCOPED_TABLES].reverse()) this.addSql(`drop table if exists "${table}" cascade`);
    this.addSql(
      `alter table "users" drop column "password_changed_at", drop column "password_token_hash", drop column "password_token_purpose", drop column "password_token_expires_at", drop column "mfa_secret_encrypted", drop column "mfa_pending_secret_encrypted", drop column "mfa_enabled_at", drop column "mfa_last_used_step", drop column "mfa_recovery_code_hashes"`,
    );
  }
}
