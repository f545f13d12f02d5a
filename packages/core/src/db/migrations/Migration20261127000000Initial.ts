import { Migration } from '@mikro-orm/migrations';

/** Tables that carry tenant_id: row-level security is enabled and forced on each. */
const TENANT_SCOPED_TABLES = [
  'tenant_users',
  'tenant_invitations',
  'tenant_settings',
  'tenant_audit_logs',
  'tenant_usage_records',
  'analytics_events',
] as const;

const schema = [
  `create table "tenants" ("id" serial primary key, "tenant_uuid" uuid not null, "name" varchar(255) not null, "slug" varchar(100) not null, "domain" varchar(255) null, "subscription_tier" text check ("subscription_tier" in ('basic', 'professional', 'enterprise')) not null default 'basic', "max_users" int null, "storage_limit_gb" int not null, "api_rate_limit" int not null, "is_trial" boolean not null default true, "trial_ends_at" timestamptz null, "trial_end_policy" text check ("trial_end_policy" in ('convert_to_basic', 'suspend')) not null default 'convert_to_basic', "settings" jsonb not null default '{}', "branding" jsonb not null default '{}', "features" jsonb not null default '{}', "is_active" boolean not null default true, "suspended_at" timestamptz null, "suspension_reason" varchar(500) null, "admin_email" varchar(255) not null, "admin_name" varchar(255) not null, "phone" varchar(50) null, "address" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now())`,
  `alter table "tenants" add constraint "tenants_tenant_uuid_unique" unique ("tenant_uuid")`,
  `alter table "tenants" add constraint "tenants_slug_unique" unique ("slug")`,
  `alter table "tenants" add constraint "tenants_domain_unique" unique ("domain")`,
  `create table "tenant_usage_records" ("tenant_id" int not null, "metric" text check ("metric" in ('api_calls', 'seats', 'storage_bytes')) not null, "period_start" timestamptz not null, "quantity" bigint not null default 0, "updated_at" timestamptz not null default now(), constraint "tenant_usage_records_pkey" primary key ("tenant_id", "metric", "period_start"))`,
  `create table "users" ("id" uuid not null, "email" varchar(255) not null, "full_name" varchar(255) not null, "password_hash" varchar(255) null, "is_platform_operator" boolean not null default false, "is_active" boolean not null default true, "last_sign_in_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "users_pkey" primary key ("id"))`,
  `alter table "users" add constraint "users_email_unique" unique ("email")`,
  `create table "tenant_users" ("tenant_id" int not null, "id" uuid not null, "user_id" uuid not null, "role" text check ("role" in ('admin', 'manager', 'member', 'viewer')) not null default 'member', "permissions" jsonb not null default '{}', "is_active" boolean not null default true, "joined_at" timestamptz not null default now(), "last_active_at" timestamptz null, "updated_at" timestamptz not null default now(), constraint "tenant_users_pkey" primary key ("tenant_id", "id"))`,
  `alter table "tenant_users" add constraint "tenant_users_tenant_id_user_id_unique" unique ("tenant_id", "user_id")`,
  `create table "tenant_settings" ("tenant_id" int not null, "id" uuid not null, "category" text check ("category" in ('general', 'security', 'notifications', 'branding')) not null, "key" varchar(100) not null, "value" jsonb not null, "is_encrypted" boolean not null default false, "encryption_key_id" varchar(50) null, "updated_by_user_id" uuid null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "tenant_settings_pkey" primary key ("tenant_id", "id"))`,
  `alter table "tenant_settings" add constraint "tenant_settings_tenant_id_category_key_unique" unique ("tenant_id", "category", "key")`,
  `create table "tenant_invitations" ("tenant_id" int not null, "id" uuid not null, "email" varchar(255) not null, "role" text check ("role" in ('admin', 'manager', 'member', 'viewer')) not null default 'member', "invited_by_user_id" uuid null, "invitation_token_hash" varchar(128) not null, "expires_at" timestamptz not null, "accepted_at" timestamptz null, "accepted_by_user_id" uuid null, "revoked_at" timestamptz null, "created_at" timestamptz not null default now(), constraint "tenant_invitations_pkey" primary key ("tenant_id", "id"))`,
  `alter table "tenant_invitations" add constraint "tenant_invitations_tenant_id_invitation_token_hash_unique" unique ("tenant_id", "invitation_token_hash")`,
  `create table "tenant_audit_logs" ("tenant_id" int not null, "id" uuid not null, "user_id" uuid null, "action" varchar(100) not null, "resource_type" varchar(50) null, "resource_id" varchar(100) null, "details" jsonb not null default '{}', "ip_address" inet null, "user_agent" text null, "created_at" timestamptz not null default now(), constraint "tenant_audit_logs_pkey" primary key ("tenant_id", "id"))`,
  `create index "tenant_audit_logs_tenant_id_created_at_index" on "tenant_audit_logs" ("tenant_id", "created_at")`,
  `create table "analytics_events" ("tenant_id" int not null, "id" uuid not null, "user_id" uuid null, "event_type" varchar(100) not null, "event_data" jsonb not null default '{}', "created_at" timestamptz not null default now(), constraint "analytics_events_pkey" primary key ("tenant_id", "id"))`,
  `create index "analytics_events_tenant_id_event_type_created_at_index" on "analytics_events" ("tenant_id", "event_type", "created_at")`,
  `alter table "tenant_usage_records" add constraint "tenant_usage_records_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
  `alter table "tenant_users" add constraint "tenant_users_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
  `alter table "tenant_users" add constraint "tenant_users_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade`,
  `alter table "tenant_settings" add constraint "tenant_settings_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
  `alter table "tenant_settings" add constraint "tenant_settings_updated_by_user_id_foreign" foreign key ("updated_by_user_id") references "users" ("id") on update cascade on delete set null`,
  `alter table "tenant_invitations" add constraint "tenant_invitations_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
  `alter table "tenant_invitations" add constraint "tenant_invitations_invited_by_user_id_foreign" foreign key ("invited_by_user_id") references "users" ("id") on update cascade on delete set null`,
  `alter table "tenant_invitations" add constraint "tenant_invitations_accepted_by_user_id_foreign" foreign key ("accepted_by_user_id") references "users" ("id") on update cascade on delete set null`,
  `alter table "tenant_audit_logs" add constraint "tenant_audit_logs_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
  `alter table "tenant_audit_logs" add constraint "tenant_audit_logs_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete set null`,
  `alter table "analytics_events" add constraint "analytics_events_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
  `alter table "analytics_events" add constraint "analytics_events_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete set null`,
];

/**
 * The policy reads the tenant the unit of work set with set_config(..., true). Unset (NULL) or
 * reset ('') both compare as NULL, so a connection without a tenant sees no row and writes none
 * (fail closed); WITH CHECK stops a row from being written into, or moved to, another tenant.
 */
export function tenantIsolationSql(table: string): string[] {
  const current = "NULLIF(current_setting('app.current_tenant_id', true), '')::integer";
  return [
    `alter table "${table}" enable row level security`,
    `alter table "${table}" force row level security`,
    `create policy tenant_isolation on "${table}" using (tenant_id = ${current}) with check (tenant_id = ${current})`,
  ];
}

export class Migration20261127000000Initial extends Migration {
  override async up(): Promise<void> {
    for (const statement of schema) this.addSql(statement);
    for (const table of TENANT_SCOPED_TABLES) {
      for (const statement of tenantIsolationSql(table)) this.addSql(statement);
    }
  }

  override async down(): Promise<void> {
    for (const table of [...TENANT_SCOPED_TABLES].reverse()) this.addSql(`drop table if exists "${table}" cascade`);
    this.addSql('drop table if exists "users" cascade');
    this.addSql('drop table if exists "tenants" cascade');
  }
}
