import { Migration } from '@mikro-orm/migrations';

/** Schema of the identity domain. */
export class Migration20261127100000Identity extends Migration {
  override async up(): Promise<void> {}

  override async down(): Promise<void> {}
}
