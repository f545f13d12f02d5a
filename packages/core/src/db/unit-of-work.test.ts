import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantSetting } from '../settings/setting.entity.js';
import { createTenantWithMembers, type TenantFixture } from '../testing/fixtures.js';
import { rawClient, useTestDatabase } from '../testing/harness.js';
import { startWireCounter, type WireCounter } from '../testing/wire-counter.js';
import { Database } from './database.js';
import { forgetEffectsSql, recordEffect } from './outbox.js';

const database = useTestDatabase();

/**
 * A Database on one pooled connection (so what a unit leaves behind would meet the next one) whose
 * traffic to PostgreSQL goes through a counting proxy: round trips are read off the wire.
 */
let wire: WireCounter;
let counted: Database;
let tenant: TenantFixture;

beforeAll(async () => {
  tenant = await createTenantWithMembers(database.db, `Counted ${Math.random()}`);
  wire = await startWireCounter(database.appUrl, undefined, { keepSql: true });
  counted = await Database.connect({ url: wire.databaseUrl, poolMax: 1 });
  // Connect both pools first, so the counts below hold no start-up traffic.
  await counted.ping();
});

afterAll(async () => {
  await counted?.close();
  await wire?.close();
});

/** Round trips of `run`, and those sent before its work's first statement (the opening). */
async function roundTrips<T>(run: (atWorkStart: () => void) => Promise<T>) {
  const before = wire.read();
  let opening = -1;
  const value = await run(() => {
    opening = wire.read().pgRoundTrips - before.pgRoundTrips;
  });
  const after = wire.read();
  return {
    value,
    opening,
    total: after.pgRoundTrips - before.pgRoundTrips,
    transactions: after.pgTransactions - before.pgTransactions,
    sql: wire.sql().filter((sent) => sent.roundTrip >= before.pgRoundTrips),
  };
}

const currentTenantSql = "select current_setting('app.current_tenant_id', true) as tenant";

describe('opening a unit of work', () => {
  it('sets the tenant in the round trip that begins the transaction', async () => {
    const seen = await roundTrips((atWorkStart) =>
      counted.inTenant(tenant.tenantId, async (em) => {
        atWorkStart();
        return em.execute<{ tenant: string }[]>(currentTenantSql);
      }),
    );
    expect(seen.value[0]?.tenant).toBe(String(tenant.tenantId));
    // One round trip to open (BEGIN and set_config together), the work's one statement, COMMIT.
    expect(seen.opening).toBe(1);
    expect(seen.total).toBe(3);
    expect(seen.transactions).toBe(1);
    expect(seen.sql[0]?.sql).toBe(`BEGIN; select set_config('app.current_tenant_id', '${tenant.tenantId}', true)`);
  });

  it('opens a platform read and a global unit in one round trip too', async () => {
    const platform = await roundTrips((atWorkStart) =>
      counted.inPlatformRead(async (em) => {
        atWorkStart();
        return em.execute<{ on: string; ro: string }[]>(
          "select current_setting('app.platform_read', true) as on, current_setting('transaction_read_only') as ro",
        );
      }),
    );
    expect(platform.value[0]).toEqual({ on: 'on', ro: 'on' });
    expect(platform.opening).toBe(1);
    const global = await roundTrips((atWorkStart) =>
      counted.inGlobal(async (em) => {
        atWorkStart();
        return em.execute('select 1');
      }),
    );
    expect(global.opening).toBe(1);
    expect(global.total).toBe(3);
  });

  it('sends nothing but BEGIN and COMMIT for a unit that reads nothing', async () => {
    const seen = await roundTrips(() => counted.inTenant(tenant.tenantId, async () => null));
    expect(seen.total).toBe(2);
  });

  it('leaves no tenant on the pooled connection after a commit, a rollback or a read-only unit', async () => {
    const connection = counted.orm.em.getConnection();
    const left = async () => (await connection.execute<{ tenant: string | null }[]>(currentTenantSql))[0]?.tenant ?? '';
    await counted.inTenant(tenant.tenantId, (em) => em.execute('select 1'));
    expect(await left()).toBe('');
    await expect(
      counted.inTenant(tenant.tenantId, async (em) => {
        await em.execute('select 1');
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(await left()).toBe('');
    await counted.readOnly().inTenant(tenant.tenantId, (em) => em.execute('select 1'));
    expect(await left()).toBe('');
    // And the connection is usable, in no aborted or open transaction.
    expect(await connection.execute("select current_setting('transaction_read_only') as ro")).toEqual([{ ro: 'off' }]);
  });
});

describe('read-only units of work', () => {
  const write = (em: Parameters<Parameters<Database['inTenant']>[1]>[0]) => {
    em.create(TenantSetting, { tenant: tenant.tenantId, category: 'general', key: `k${Math.random()}`, value: 1 });
    return em.flush();
  };

  it('refuse every write, and so every change a read-only procedure might attempt', async () => {
    await expect(counted.inTenant(tenant.tenantId, write, { readOnly: true })).rejects.toThrow(/read-only transaction/);
    await expect(counted.readOnly().inTenant(tenant.tenantId, write)).rejects.toThrow(/read-only transaction/);
    await expect(counted.readOnly().inGlobal((em) => em.execute('create temp table t (x int)'))).rejects.toThrow(
      /read-only transaction/,
    );
  });

  it('open in one round trip as well, and a call may still ask for a writing unit', async () => {
    const seen = await roundTrips((atWorkStart) =>
      counted.readOnly().inTenant(tenant.tenantId, async (em) => {
        atWorkStart();
        return em.execute<{ tenant: string; ro: string }[]>(
          "select current_setting('app.current_tenant_id', true) as tenant, current_setting('transaction_read_only') as ro",
        );
      }),
    );
    expect(seen.value[0]).toEqual({ tenant: String(tenant.tenantId), ro: 'on' });
    expect(seen.opening).toBe(1);
    expect(seen.sql[0]?.sql).toMatch(/^BEGIN TRANSACTION READ ONLY; select set_config/);
    await counted.readOnly().inTenant(tenant.tenantId, write, { readOnly: false });
  });

  it('records an operator’s access even from a read-only view', async () => {
    const operator = await createTenantWithMembers(database.db, `Operator ${Math.random()}`);
    const actor = { userId: operator.users.admin };
    await counted.readOnly().asPlatformOperator(actor, tenant.tenantId, 'checking', (em) => em.execute('select 1'));
    const after = await counted.inTenant(tenant.tenantId, (em) =>
      em.execute<{ n: number }[]>(
        "select count(*)::int as n from tenant_audit_logs where action = 'platform.tenant_accessed'",
      ),
    );
    expect(after[0]?.n).toBe(1);
  });
});

describe('the tenant id in the opening', () => {
  it('is refused unless it is a positive safe integer, before anything is sent', async () => {
    const before = wire.read().pgRoundTrips;
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 53, "1'); drop table tenants; --" as unknown as number]) {
      await expect(counted.inTenant(bad, async () => null)).rejects.toThrow(TypeError);
    }
    expect(wire.read().pgRoundTrips).toBe(before);
  });
});

describe('the relay', () => {
  it('runs a unit’s effects after commit and forgets their rows in one more round trip', async () => {
    const db = await Database.connect({ url: wire.databaseUrl, poolMax: 1 });
    let ran = 0;
    const before = wire.read().pgRoundTrips;
    await db.inTenant(tenant.tenantId, async (em) => {
      recordEffect(em, { kind: 'test.effect', payload: { n: 1 } }, async () => {
        ran += 1;
      });
      recordEffect(em, { kind: 'test.effect', payload: { n: 2 } }, async () => {
        ran += 1;
      });
    });
    await db.close(); // waits for the deletion
    expect(ran).toBe(2);
    const sent = wire.sql().filter((s) => s.roundTrip >= before);
    // Connecting the pool (start-up, no SQL) aside: open, the outbox insert, COMMIT, the deletion.
    expect(sent.map((s) => s.sql.split(' ')[0])).toEqual(['BEGIN;', 'insert', 'COMMIT;', 'select']);
    expect(sent[3]?.sql).toMatch(
      new RegExp(
        `^select set_config\\('app.current_tenant_id', '${tenant.tenantId}', true\\); delete from tenant_outbox where id in \\('[0-9a-f-]{36}', '[0-9a-f-]{36}'\\)$`,
      ),
    );
    const left = await database.db.inTenant(tenant.tenantId, (em) =>
      em.execute<{ n: number }[]>("select count(*)::int as n from tenant_outbox where kind = 'test.effect'"),
    );
    expect(left[0]?.n).toBe(0);
  });

  it('deletes as one implicit transaction that leaves no tenant on the connection', async () => {
    const client = await rawClient(database.appUrl);
    try {
      await client.query(forgetEffectsSql(tenant.tenantId, ['01a23731-d514-768c-96be-7dabdd6ba70c']));
      const { rows } = await client.query("select current_setting('app.current_tenant_id', true) as tenant");
      expect(rows[0].tenant ?? '').toBe('');
      // No transaction stays open after it either (a BEGIN in it would have left one).
      const status = await client.query('select now() = statement_timestamp() as fresh');
      expect(status.rows[0].fresh).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('refuses ids and tenants that are not what a unit produces', () => {
    expect(() => forgetEffectsSql(tenant.tenantId, ["x'); delete from tenant_outbox; --"])).toThrow(TypeError);
    expect(() => forgetEffectsSql(0, ['01a23731-d514-768c-96be-7dabdd6ba70c'])).toThrow(TypeError);
    expect(() => forgetEffectsSql(null, [])).toThrow(TypeError);
  });
});
