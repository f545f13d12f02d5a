import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTenantWithMembers } from '../testing/fixtures.js';
import { useTestDatabase } from '../testing/harness.js';
import { useServiceDeps } from '../testing/service-deps.js';
import { TenantDirectory } from './tenant-directory.js';

const database = useTestDatabase();
const deps = useServiceDeps(() => database.db);

describe('the tenant directory', () => {
  it('holds a bounded number of entries however many unknown ids are asked for, and still finds real tenants', async () => {
    const tenant = await createTenantWithMembers(database.db, 'Directory Bound');
    const directory = new TenantDirectory(database.db, deps.redis, deps.prefix, 8);
    for (let i = 0; i < 60; i++) expect(await directory.getByUuid(randomUUID())).toBeNull();
    expect(directory.cachedEntries).toBeLessThanOrEqual(16);
    expect((await directory.getByUuid(tenant.tenantUuid))?.id).toBe(tenant.tenantId);
    expect(directory.cachedEntries).toBeLessThanOrEqual(16);
  });
});
