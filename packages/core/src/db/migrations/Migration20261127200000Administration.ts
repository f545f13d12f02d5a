import { Migration } from '@mikro-orm/migrations';

/** Schema of the administration domain. */
export class Migration20261127200000Administration extends Migration {
  override async up(): Promise<void> {}

  override async down(): Promise<void> {}
}
