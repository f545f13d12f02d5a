import { Migration } from '@mikro-orm/migrations';
import { tenantIsolationSql } from './Migration20261127000000Initial.js';

const TENANT_SCOPED_TABLES = ['tenant_files', 'tenant_storage_usage'] as const;

const schema = [
  `create table "tenant_files" ("tenant_id" int not null, "id" uuid not null, "purpose" text check ("purpose" in ('upload', 'logo')) not null default 'upload', "name" varchar(255) not null, "content_type" varchar(255) not null, "size_bytes" bigint not null, "sha256" char(64) null, "status" text check ("status" in ('uploading', 'stored')) not null default 'uploading', "storage_key" varchar(300) not null, "uploaded_by_user_id" uuid null, "created_at" timestamptz not null default now(), "stored_at" timestamptz null, constraint "tenant_files_pkey" primary key ("tenant_id", "id"))`,
  `alter table "tenant_files" add constraint "tenant_files_tenant_id_storage_key_unique" unique ("tenant_id", "storage_key")`,
  `create index "tenant_files_tenant_id_status_created_at_index" on "tenant_files" ("tenant_id", "status", "created_at")`,
  `alter table "tenant_files" add constraint "tenant_files_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
  `alter table "tenant_files" add constraint "tenant_files_uploaded_by_user_id_foreign" foreign key ("uploaded_by_user_id") references "users" ("id") on update cascade on delete set null`,
  // One row per tenant: the lock that serializes quota reservations, and the last measured size of its rows.
  `create table "tenant_storage_usage" ("tenant_id" int not null, "database_bytes" bigint not null default 0, "database_measured_at" timestamptz null, constraint "tenant_storage_usage_pkey" primary key ("tenant_id"))`,
  `alter table "tenant_storage_usage" add constraint "tenant_storage_usage_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade on delete cascade`,
];

/** Tenant file storage: file metadata (the bytes live in the object store) and the storage quota lock. */
export class Migration20261201300000Files extends Migration {
  override async up(): Promise<void> {
    for (const statement of schema) this.addSql(statement);
    for (const table of TENANT_SCOPED_TABLES) {
      for (const statement of tenantIsolationSql(table)) this.addSql(statement);
    }
  }

  override async down(): Promise<void> {
    for (const table of [...TENANT_SCOPED_TABLES].reverse()) this.addSql(`drop table if exists "${table}" cascade`);
  }
}
