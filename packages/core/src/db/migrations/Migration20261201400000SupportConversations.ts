import { Migration } from '@mikro-orm/migrations';
import { tenantIsolationSql } from './Migration20261127000000Initial.js';

const schema = [
  `alter table "tenant_support_tickets" add column "body" text not null default '', add column "priority" text check ("priority" in ('low', 'normal', 'high', 'urgent')) not null default 'normal', add column "assigned_to_user_id" uuid null, add column "first_response_at" timestamptz null, add column "updated_at" timestamptz not null default now()`,
  `alter table "tenant_support_tickets" add constraint "tenant_support_tickets_assigned_to_user_id_foreign" foreign key ("assigned_to_user_id") references "users" ("id") on update cascade on delete set null`,
  `create index "tenant_support_tickets_tenant_id_status_index" on "tenant_support_tickets" ("tenant_id", "status")`,
  `create table "tenant_support_ticket_messages" ("tenant_id" int not null, "id" uuid not null, "ticket_id" uuid not null, "author_user_id" uuid null, "from_support" boolean not null, "body" text not null, "created_at" timestamptz not null default now(), constraint "tenant_support_ticket_messages_pkey" primary key ("tenant_id", "id"))`,
  `create index "tenant_support_ticket_messages_ticket_index" on "tenant_support_ticket_messages" ("tenant_id", "ticket_id", "created_at")`,
  `alter table "tenant_support_ticket_messages" add constraint "tenant_support_ticket_messages_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
  `alter table "tenant_support_ticket_messages" add constraint "tenant_support_ticket_messages_author_user_id_foreign" foreign key ("author_user_id") references "users" ("id") on update cascade on delete set null`,
];

/** Support conversations: a ticket's body, priority, assignee and first response, and its replies. */
export class Migration20261201400000SupportConversations extends Migration {
  override async up(): Promise<void> {
    for (const statement of schema) this.addSql(statement);
    for (const statement of tenantIsolationSql('tenant_support_ticket_messages')) this.addSql(statement);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "tenant_support_ticket_messages" cascade');
    this.addSql('drop index if exists "tenant_support_tickets_tenant_id_status_index"');
    this.addSql(
      `alter table "tenant_support_tickets" drop constraint if exists "tenant_support_tickets_assigned_to_user_id_foreign", drop column "body", drop column "priority", drop column "assigned_to_user_id", drop column "first_response_at", drop column "updated_at"`,
    );
  }
}
