import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261127000000Initial } from './Migration20261127000000Initial.js';
import { Migration20261127100000Identity } from './Migration20261127100000Identity.js';
import { Migration20261127200000Administration } from './Migration20261127200000Administration.js';
import { Migration20261127300000Operations } from './Migration20261127300000Operations.js';
import { Migration20261201100000PublicIds } from './Migration20261201100000PublicIds.js';
import { Migration20261201200000Outbox } from './Migration20261201200000Outbox.js';
import { Migration20261201300000Files } from './Migration20261201300000Files.js';
import { Migration20261201400000SupportConversations } from './Migration20261201400000SupportConversations.js';
import { Migration20261201410000PlatformRead } from './Migration20261201410000PlatformRead.js';
import { Migration20261201420000MonthlyReports } from './Migration20261201420000MonthlyReports.js';
import { Migration20261202070000GlobalTablesRls } from './Migration20261202070000GlobalTablesRls.js';
import { Migration20261202100000AuditChain } from './Migration20261202100000AuditChain.js';
import { Migration20261202110000ApiPerformance } from './Migration20261202110000ApiPerformance.js';
import { Migration20261202150000DataRights } from './Migration20261202150000DataRights.js';

/** Every migration in order; listed explicitly so tsx, tsc and bundlers load the same set. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261127000000Initial', class: Migration20261127000000Initial },
  { name: 'Migration20261127100000Identity', class: Migration20261127100000Identity },
  { name: 'Migration20261127200000Administration', class: Migration20261127200000Administration },
  { name: 'Migration20261127300000Operations', class: Migration20261127300000Operations },
  { name: 'Migration20261201100000PublicIds', class: Migration20261201100000PublicIds },
  { name: 'Migration20261201200000Outbox', class: Migration20261201200000Outbox },
  { name: 'Migration20261201300000Files', class: Migration20261201300000Files },
  { name: 'Migration20261201400000SupportConversations', class: Migration20261201400000SupportConversations },
  { name: 'Migration20261201410000PlatformRead', class: Migration20261201410000PlatformRead },
  { name: 'Migration20261201420000MonthlyReports', class: Migration20261201420000MonthlyReports },
  { name: 'Migration20261202070000GlobalTablesRls', class: Migration20261202070000GlobalTablesRls },
  { name: 'Migration20261202100000AuditChain', class: Migration20261202100000AuditChain },
  { name: 'Migration20261202110000ApiPerformance', class: Migration20261202110000ApiPerformance },
  { name: 'Migration20261202150000DataRights', class: Migration20261202150000DataRights },
];
