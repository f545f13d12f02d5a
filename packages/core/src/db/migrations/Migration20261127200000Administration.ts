import { Migration } from '@mikro-orm/migrations';
import { tenantIsolationSql } from './Migration20261127000000Initial.js';

const NEW_TABLES = ['tenant_feature_overrides', 'tenant_billing_ledger', 'tenant_invoices'] as const;

const schema = [
  `create table "tenant_feature_overrides" ("tenant_id" int not null, "feature" text check ("feature" in ('core_analytics', 'social_collaboration', 'ai_insights', 'advanced_analytics', 'api_access', 'sso', 'advanced_reporting', 'audit_logs', 'custom_branding', 'priority_support', 'sla_guarantee')) not null, "enabled" boolean not null, "reason" varchar(500) not null, "set_by_user_id" uuid null, "updated_at" timestamptz not null default now(), constraint "tenant_feature_overrides_pkey" primary key ("tenant_id", "feature"))`,
  `alter table "tenant_feature_overrides" add constraint "tenant_feature_overrides_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
  `alter table "tenant_feature_overrides" add constraint "tenant_feature_overrides_set_by_user_id_foreign" foreign key ("set_by_user_id") references "users" ("id") on update cascade on delete set null`,

  `create table "tenant_billing_ledger" ("tenant_id" int not null, "id" uuid not null, "kind" text check ("kind" in ('upgrade', 'downgrade', 'trial_conversion', 'custom_plan')) not null, "from_tier" text check ("from_tier" in ('basic', 'professional', 'enterprise')) null, "to_tier" text check ("to_tier" in ('basic', 'professional', 'enterprise')) not null, "monthly_price_cents" int not null, "period_start" timestamptz not null, "period_end" timestamptz not null, "prorated_amount_cents" int not null, "created_by_user_id" uuid null, "created_at" timestamptz not null default now(), constraint "tenant_billing_ledger_pkey" primary key ("tenant_id", "id"))`,
  `create index "tenant_billing_ledger_tenant_id_created_at_index" on "tenant_billing_ledger" ("tenant_id", "created_at")`,
  `alter table "tenant_billing_ledger" add constraint "tenant_billing_ledger_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
  `alter table "tenant_billing_ledger" add constraint "tenant_billing_ledger_created_by_user_id_foreign" foreign key ("created_by_user_id") references "users" ("id") on update cascade on delete set null`,

  `create table "tenant_invoices" ("tenant_id" int not null, "id" uuid not null, "period" varchar(7) not null, "amount_cents" int not null, "status" text check ("status" in ('open', 'paid', 'failed', 'overdue')) not null default 'open', "issued_at" timestamptz not null, "due_at" timestamptz not null, "paid_at" timestamptz null, constraint "tenant_invoices_pkey" primary key ("tenant_id", "id"))`,
  `alter table "tenant_invoices" add constraint "tenant_invoices_tenant_id_period_unique" unique ("tenant_id", "period")`,
  `alter table "tenant_invoices" add constraint "tenant_invoices_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,

  `create index "tenant_invitations_tenant_id_email_index" on "tenant_invitations" ("tenant_id", "email")`,
];

/** Schema of the administration domain: feature overrides, the billing ledger and invoices. */
export class Migration20261127200000Administration extends Migration {
  override async up(): Promise<void> {
    for (const statement of schema) this.addSql(statement);
    for (const table of NEW_TABLES) {
      for (const statement of tenantIsolationSql(table)) this.addSql(statement);
    }
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists "tenant_invitations_tenant_id_email_index"');
    for (const table of [...NEW_TABLES].reverse()) this.addSql(`drop table if exists "${table}" cascade`);
  }
}
