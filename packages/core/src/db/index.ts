export {
  type Actor,
  Database,
  type DatabaseOptions,
  type ReadUnitRows,
  type UnitOfWork,
  type UnitOptions,
} from './database.js';
export { ALL_ENTITIES, GLOBAL_ENTITIES, TENANT_SCOPED_ENTITIES } from './entities.js';
export { compactUuid, expandUuid, isUuid, uuidv7 } from './ids.js';
export { appRoleOf, globalUrlOf, type MigrateOptions, migrate } from './migrate.js';
export { openDatabase } from './open.js';
export { createOrm, type OrmOptions, ormConfig } from './orm.js';
export { type EffectRunner, type OutboxEntry, RELAY_GRACE_SECONDS, type SweepResult, sweepOutbox } from './outbox.js';
export { type SqlStatement, type SqlValue, sql, sqlLiteral } from './sql.js';
export { TENANT_FILTER, type TenantFilterParams } from './tenant-scope.js';
export { CrossTenantWriteError } from './tenant-write-guard.js';
