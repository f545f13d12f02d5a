import { Migration } from '@mikro-orm/migrations';
import { tenantIsolationSql } from './Migration20261127000000Initial.js';

const TENANT_SCOPED_TABLES = [
  'tenant_email_deliveries',
  'tenant_limit_alerts',
  'tenant_health_scores',
  'tenant_support_tickets',
] as const;

const schema = [
  // Global: account-level mail (password reset) has no tenant; see AccountEmailDelivery.
  `create table "account_email_deliveries" ("dedupe_key" varchar(200) not null, "template" varchar(50) not null, "recipient" varchar(255) not null, "status" text check ("status" in ('sending', 'sent')) not null, "claimed_by_job" varchar(200) not null, "claim_attempt" int not null, "claimed_at" timestamptz not null, "message_id" varchar(255) not null, "sent_at" timestamptz null, constraint "account_email_deliveries_pkey" primary key ("dedupe_key"))`,
  `create table "tenant_email_deliveries" ("tenant_id" int not null, "dedupe_key" varchar(200) not null, "template" varchar(50) not null, "recipient" varchar(255) not null, "status" text check ("status" in ('sending', 'sent')) not null, "claimed_by_job" varchar(200) not null, "claim_attempt" int not null, "claimed_at" timestamptz not null, "message_id" varchar(255) not null, "sent_at" timestamptz null, constraint "tenant_email_deliveries_pkey" primary key ("tenant_id", "dedupe_key"))`,
  `create table "tenant_limit_alerts" ("tenant_id" int not null, "limit" text check ("limit" in ('seats', 'storage', 'api_calls')) not null, "threshold_percent" smallint not null, "period_start" timestamptz not null, "used" bigint not null, "max" bigint not null, "raised_at" timestamptz not null, "rearmed_at" timestamptz null, constraint "tenant_limit_alerts_pkey" primary key ("tenant_id", "limit", "threshold_percent", "period_start"))`,
  `create table "tenant_health_scores" ("tenant_id" int not null, "scored_on" date not null, "score" numeric(5,2) not null, "churn_risk" text check ("churn_risk" in ('low', 'medium', 'high')) not null, "components" jsonb not null, "computed_at" timestamptz not null, constraint "tenant_health_scores_pkey" primary key ("tenant_id", "scored_on"))`,
  `create table "tenant_support_tickets" ("tenant_id" int not null, "id" uuid not null, "opened_by_user_id" uuid null, "subject" varchar(200) not null, "status" text check ("status" in ('open', 'resolved')) not null default 'open', "satisfaction_rating" smallint null, "created_at" timestamptz not null default now(), "resolved_at" timestamptz null, constraint "tenant_support_tickets_pkey" primary key ("tenant_id", "id"))`,
  `create index "tenant_support_tickets_tenant_id_created_at_index" on "tenant_support_tickets" ("tenant_id", "created_at")`,
  `alter table "tenant_email_deliveries" add constraint "tenant_email_deliveries_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
  `alter table "tenant_limit_alerts" add constraint "tenant_limit_alerts_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
  `alter table "tenant_health_scores" add constraint "tenant_health_scores_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
  `alter table "tenant_support_tickets" add constraint "tenant_support_tickets_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
  `alter table "tenant_support_tickets" add constraint "tenant_support_tickets_opened_by_user_id_foreign" foreign key ("opened_by_user_id") references "users" ("id") on update cascade on delete set null`,
];

/** Schema of the operations domain: email deliveries, limit alerts, health scores, support tickets. */
export class Migration20261127300000Operations extends Migration {
  override async up(): Promise<void> {
    for (const statement of schema) this.addSql(statement);
    for (const table of TENANT_SCOPED_TABLES) {
      for (const statement of tenantIsolationSql(table)) this.addSql(statement);
    }
  }

  override async down(): Promise<void> {
    for (const table of [...TENANT_SCOPED_TABLES].reverse()) this.addSql(`drop table if exists "${table}" cascade`);
    this.addSql('drop table if exists "account_email_deliveries" cascade');
  }
}
