import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { Database } from '../db/database.js';
import { globalUrlOf } from '../db/migrate.js';
import { testServices, withDatabase } from './services.js';

export interface TestDatabase {
  name: string;
  /** Connection as the app role (subject to row-level security). */
  appUrl: string;
  /** Connection as the global role (global units of work). */
  globalUrl: string;
  /** Connection as the schema owner, for inspecting or breaking the schema on purpose. */
  ownerUrl: string;
  /** The unit-of-work entry point, connected as the app role. */
  db: Database;
}

export async function createTestDatabase(
  options: { poolMax?: number } = {},
): Promise<TestDatabase & { drop(): Promise<void> }> {
  const services = testServices();
  const name = `test_${services.runId}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: services.ownerUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}" template ${services.templateDatabase}`);
  } finally {
    await admin.end();
  }
  const appUrl = withDatabase(services.appUrl, name);
  const db = await Database.connect({ url: appUrl, poolMax: options.poolMax ?? 5 });
  return {
    name,
    appUrl,
    globalUrl: globalUrlOf(appUrl),
    ownerUrl: withDatabase(services.ownerUrl, name),
    db,
    async drop() {
      await db.close();
      const dropper = new pg.Client({ connectionString: services.ownerUrl });
      await dropper.connect();
      try {
        await dropper.query(`drop database if exists "${name}" with (force)`);
      } catch (error) {
        // A process the file started (an api or worker child) may still hold an app-role connection
        // that the owner may not terminate (42501); the run's global teardown drops the database then.
        if ((error as { code?: string }).code !== '42501') throw error;
      } finally {
        await dropper.end();
      }
    },
  };
}

/**
 * Gives the calling test file its own freshly migrated database for all its tests.
 * Access the handle inside tests or hooks, after beforeAll has run.
 */
export function useTestDatabase(options: { poolMax?: number } = {}): TestDatabase {
  let current: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  beforeAll(async () => {
    current = await createTestDatabase(options);
  });
  afterAll(async () => {
    await current?.drop();
  });
  const get = (): TestDatabase => {
    if (!current) throw new Error('the test database is created in beforeAll; use it inside tests or hooks');
    return current;
  };
  return {
    get name() {
      return get().name;
    },
    get appUrl() {
      return get().appUrl;
    },
    get globalUrl() {
      return get().globalUrl;
    },
    get ownerUrl() {
      return get().ownerUrl;
    },
    get db() {
      return get().db;
    },
  };
}

/** A raw pg client for the given URL, closed by the caller; used to look under the ORM. */
export async function rawClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}
