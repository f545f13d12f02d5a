import { Migration } from '@mikro-orm/migrations';

/** Schema of the operations domain. */
export class Migration20261127300000Operations extends Migration {
  override async up(): Promise<void> {}

  override async down(): Promise<void> {}
}
