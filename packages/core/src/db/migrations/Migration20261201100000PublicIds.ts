import { Migration } from '@mikro-orm/migrations';

/**
 * API key prefixes name the tenant by its public uuid (`dgk_<32 hex>_<key id>`), no longer by its
 * sequential id, so they are longer.
 */
export class Migration20261201100000PublicIds extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "api_keys" alter column "prefix" type varchar(64)');
  }

  override async down(): Promise<void> {
    this.addSql('alter table "api_keys" alter column "prefix" type varchar(40)');
  }
}
