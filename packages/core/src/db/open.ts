import { verifyDatabase } from '../health/health.js';
import type { Logger } from '../logging/logger.js';
import { Database, type DatabaseOptions } from './database.js';

/**
 * Connects a process's Database, proves PostgreSQL answers (an unreachable one is a ConfigError
 * naming DATABASE_URL or DATABASE_GLOBAL_URL) and logs after-commit effects that fail.
 */
export async function openDatabase(options: DatabaseOptions, logger: Logger): Promise<Database> {
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
