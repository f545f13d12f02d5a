import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outageError } from '../errors/outage.js';
import { TenantSetting } from '../settings/setting.entity.js';
import { createTenantWithMembers, type TenantFixture } from '../testing/fixtures.js';
import { useTestDatabase } from '../testing/harness.js';
import { startWireCounter, type WireCounter } from '../testing/wire-counter.js';
import { Database } from './database.js';
import { sql, statementText } from './sql.js';

const database = useTestDatabase();

/** A Database on one pooled connection (what a read unit leaves behind meets the next use) behind a counting proxy. */
let wire: WireCounter;
let counted: Database;
let a: TenantFixture;
let b: TenantFixture;

beforeAll(async () => {
  a = await createTenantWithMembers(database.db, `Read A ${Math.random()}`);
  b = await createTenantWithMembers(database.db, `Read B ${Math.random()}`);
  for (const t of [a, b]) {
    await database.db.inTenant(t.tenantId, async (em) => {
      em.create(TenantSetting, { tenant: t.tenantId, category: 'general', key: 'timezone', value: 'UTC' });
      await em.flush();
    });
  }
  wire = await startWireCounter(database.appUrl, undefined, { keepSql: true });
  counted = await Database.connect({ url: wire.databaseUrl, poolMax: 1 });
  await counted.ping();
});

afterAll(async () => {
  await counted?.close();
  await wire?.close();
});

async function traffic<T>(run: () => Promise<T>) {
  const before = wire.read();
  const value = await run();
  const after = wire.read();
  return {
    value,
    roundTrips: after.pgRoundTrips - before.pgRoundTrips,
    transactions: after.pgTransactions - before.pgTransactions,
    sql: wire
      .sql()
      .filter((sent) => sent.roundTrip >= before.pgRoundTrips)
      .map((sent) => sent.sql),
  };
}

/** What the pooled connection carries once a unit is over: no tenant, no open transaction. */
async function leftOnConnection() {
  const [row] = await counted.orm.em
    .getConnection()
    .execute<{ tenant: string | null; fresh: boolean }[]>(
      "select current_setting('app.current_tenant_id', true) as tenant, now() = statement_timestamp() as fresh",
    );
  return { tenant: row?.tenant ?? '', fresh: row?.fresh };
}

describe('a read unit', () => {
  it('is one READ ONLY transaction in one round trip, with the tenant set', async () => {
    const seen = await traffic(() =>
      counted.readInTenant(a.tenantId, [
        sql<{ tenant: string; ro: string }>`select current_setting('app.current_tenant_id', true) as tenant,
          current_setting('transaction_read_only') as ro`,
        sql<{ n: number }>`select ${41} + 1 as n`,
      ]),
    );
    expect(seen.value).toEqual([[{ tenant: String(a.tenantId), ro: 'on' }], [{ n: 42 }]]);
    expect(seen).toMatchObject({ roundTrips: 1, transactions: 1 });
    expect(seen.sql).toHaveLength(1);
    expect(seen.sql[0]).toMatch(
      new RegExp(
        `^BEGIN TRANSACTION READ ONLY; select set_config\\('app.current_tenant_id', '${a.tenantId}', true\\); select .*; COMMIT$`,
        's',
      ),
    );
    expect(await leftOnConnection()).toEqual({ tenant: '', fresh: true });
  });

  it('hands values back exactly as given, injection attempts included', async () => {
    const strings = ["O'Brien", 'back\\slash', "\\'; rollback; select 1; --", "'); drop table tenants; --", 'ünï€😀'];
    const at = new Date('2026-12-02T10:11:12.345Z');
    const [texts, [values]] = await counted.readInTenant(a.tenantId, [
      sql<{ v: string }>`select v from unnest(array[${strings[0] ?? ''}, ${strings[1] ?? ''}, ${strings[2] ?? ''},
        ${strings[3] ?? ''}, ${strings[4] ?? ''}]) with ordinality as t(v, n) order by n`,
      sql<{ at: string; yes: boolean; no: boolean; nothing: null; minus: number }>`select
        (${at}::timestamptz = '2026-12-02 10:11:12.345+00') as at, ${true} as yes, ${false} as no,
        ${null}::int as nothing, 3 -${-4} as minus`,
    ]);
    expect(texts.map((row) => row.v)).toEqual(strings);
    expect(values).toEqual({ at: true, yes: true, no: false, nothing: null, minus: 7 });
    const [tenants] = await database.db.inGlobal((em) =>
      em.execute<{ n: number }[]>('select count(*)::int as n from tenants'),
    );
    expect(tenants?.n).toBeGreaterThanOrEqual(2);
  });

  it('parses rows as the ORM’s raw queries on the same pool do (timestamps, int8, numeric, json)', async () => {
    const statement = sql`select now() as at, '2026-12-02'::date as day, 9007199254740993::int8 as big,
      12.50::numeric as num, 2::int as small, 1.5::float8 as float, '{"a":[1,"x"]}'::jsonb as doc,
      '[1]'::json as list, true as flag, 'abc'::text as s, null::timestamptz as none`;
    const viaOrm = await counted.inTenant(
      a.tenantId,
      (em) => em.execute<Record<string, unknown>[]>(statementText(statement)),
      { readOnly: true },
    );
    const [viaUnit] = await counted.readInTenant(a.tenantId, [statement]);
    // Same types, same shapes; now() differs between the two transactions only.
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ at, ...rest }) => ({ at: typeof at, ...rest }));
    expect(strip(viaUnit)).toEqual(strip(viaOrm));
    expect(viaUnit[0]).toMatchObject({ at: expect.stringMatching(/\+00$/), big: '9007199254740993', num: '12.50' });
  });

  it('sees only its own tenant’s rows: naming another tenant’s ids returns nothing', async () => {
    const [own, other, otherSettings, everyMember] = await counted.readInTenant(a.tenantId, [
      sql<{ id: number }>`select id from tenants where id = ${a.tenantId}`,
      sql<{ id: number }>`select id from tenants where id = ${b.tenantId}`,
      sql<{ tenant_id: number }>`select tenant_id from tenant_settings where tenant_id = ${b.tenantId}`,
      sql<{ tenant_id: number }>`select tenant_id from tenant_users`,
    ]);
    expect(own).toEqual([{ id: a.tenantId }]);
    expect(other).toEqual([]);
    expect(otherSettings).toEqual([]);
    expect(everyMember.length).toBeGreaterThan(0);
    expect(everyMember.every((row) => row.tenant_id === a.tenantId)).toBe(true);
  });

  it('refuses writes', async () => {
    await expect(
      counted.readInTenant(a.tenantId, [
        sql`with changed as (update tenants set name = 'changed' where id = ${a.tenantId} returning id) select * from changed`,
      ]),
    ).rejects.toThrow(/read-only transaction/);
    expect(await leftOnConnection()).toEqual({ tenant: '', fresh: true });
  });

  it('rolls a failed statement’s transaction back before the connection returns to the pool', async () => {
    const seen = await traffic(() =>
      counted.readInTenant(a.tenantId, [sql`select 1`, sql`select 1 / ${0}`, sql`select 2`]).catch((error) => error),
    );
    expect(seen.value).toBeInstanceOf(Error);
    expect(String(seen.value.message)).toMatch(/division by zero/);
    expect(outageError(seen.value)).toBeNull();
    expect(seen.sql.slice(1)).toEqual(['ROLLBACK']);
    expect(seen.roundTrips).toBe(2);
    expect(await leftOnConnection()).toEqual({ tenant: '', fresh: true });
    const [[again]] = await counted.readInTenant(a.tenantId, [sql<{ ok: number }>`select 1 as ok`]);
    expect(again).toEqual({ ok: 1 });
  });

  it('refuses a tenant id that is not a positive safe integer, before anything is sent', async () => {
    const before = wire.read().pgRoundTrips;
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 53, "1', true); drop table tenants; --" as unknown as number]) {
      await expect(counted.readInTenant(bad, [sql`select 1`])).rejects.toThrow(TypeError);
    }
    await expect(
      counted.readInTenant(a.tenantId, [{ text: 'select 1' } as unknown as ReturnType<typeof sql>]),
    ).rejects.toThrow(TypeError);
    expect(wire.read().pgRoundTrips).toBe(before);
  });
});

describe('a read unit during an outage', () => {
  it('fails as an outage while PostgreSQL cannot be reached', async () => {
    const unreachable = await Database.connect({ url: 'postgresql://nobody:nothing@127.0.0.1:1/none', poolMax: 1 });
    try {
      const error = await unreachable.readInTenant(a.tenantId, [sql`select 1`]).catch((caught: unknown) => caught);
      expect(outageError(error)?.details).toMatchObject({ dependency: 'postgres' });
    } finally {
      await unreachable.close();
    }
  });

  it('fails as an outage when the connection is lost mid-unit, and the pool drops that connection', async () => {
    const error = await counted
      .readInTenant(a.tenantId, [sql`select pg_terminate_backend(pg_backend_pid())`])
      .catch((caught: unknown) => caught);
    expect(outageError(error)?.details).toMatchObject({ dependency: 'postgres' });
    const [[next]] = await counted.readInTenant(a.tenantId, [sql<{ ok: number }>`select 1 as ok`]);
    expect(next).toEqual({ ok: 1 });
  });
});
