import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { ALL_ENTITIES } from './entities.js';
import { migrationsList } from './migrations/index.js';
import { TenantWriteGuard } from './tenant-write-guard.js';
import { UnitDriver } from './unit-connection.js';

export interface OrmOptions {
  url: string;
  poolMax?: number;
  debug?: boolean;
}

export function ormConfig({ url, poolMax = 10, debug = false }: OrmOptions): Options {
  return {
    clientUrl: url,
    // PostgreSQL as MikroORM speaks it, except that a unit of work opens in one round trip.
    driver: UnitDriver,
    entities: [...ALL_ENTITIES],
    extensions: [Migrator],
    subscribers: [new TenantWriteGuard()],
    pool: { min: 0, max: poolMax },
    debug,
    forceUtcTimezone: true,
    // Nothing touches the schema implicitly: no discovery-time checks, migrations only.
    ensureDatabase: false,
    allowGlobalContext: false,
    migrations: {
      tableName: 'mikro_orm_migrations',
      migrationsList,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
  };
}

export async function createOrm(options: OrmOptions): Promise<MikroORM> {
  return MikroORM.init(ormConfig(options));
}
