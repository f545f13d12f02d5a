import { verifyDatabase } from '../health/health.js';
import type { Logger } from '../logging/logger.js';
import { Database } from './database.js';
import type { OrmOptions } from './orm.js';

/**
 * Connects a process's Database, proves PostgreSQL answers (an unreachable one is a ConfigError
 * naming DATABASE_URL) and logs after-commit effects that fail.
 */
export async function openDatabase(options: OrmOptions, logger: Logger): Promise<Database> {
  const db = await Database.connect(options);
  db.onEffectError = (error) => logger.error({ err: error }, 'after-commit effect failed');
  try {
    await verifyDatabase(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
