import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261127000000Initial } from './Migration20261127000000Initial.js';

/** Every migration in order; listed explicitly so tsx, tsc and bundlers load the same set. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261127000000Initial', class: Migration20261127000000Initial },
];
