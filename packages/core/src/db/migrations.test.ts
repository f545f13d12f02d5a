import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/index.js';
import { migrate } from './migrate.js';
import { createOrm } from './orm.js';

const database = useTestDatabase();

describe('migrations', () => {
  it('produce exactly the schema the entities describe', async () => {
    const orm = await createOrm({ url: database.ownerUrl, poolMax: 1 });
    try {
      const drift = await orm.schema.getUpdateSchemaSQL({ wrap: false });
      expect(drift.trim()).toBe('');
    } finally {
      await orm.close();
    }
  });

  it('change nothing when run again', async () => {
    const applied = await migrate({ migrationUrl: database.ownerUrl, appUrl: database.appUrl });
    expect(applied).toEqual([]);
  });
});
