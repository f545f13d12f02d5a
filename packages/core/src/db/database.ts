import type { EntityManager, MikroORM, TransactionOptions } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { TenantAuditLog } from '../audit/audit-log.entity.js';
import { globalUrlOf } from './migrate.js';
import { createOrm, type OrmOptions } from './orm.js';
import { forgetEffectsSql, openPendingUnit, type PendingUnit, runEffects, writeOutbox } from './outbox.js';
import { type SqlStatement, statementText } from './sql.js';
import { TENANT_FILTER, type TenantFilterParams } from './tenant-scope.js';
import type { UnitBeginOptions, UnitOpening } from './unit-connection.js';

/** Who is acting, for the audit trail. */
export interface Actor {
  userId: string | null;
  ipAddress?: string | null;
  userAgent?: string | null;
}

export interface DatabaseOptions extends OrmOptions {
  /** Connection of global units of work (DATABASE_GLOBAL_URL); defaults to globalUrlOf(url). */
  globalUrl?: string | undefined;
}

export type UnitOfWork<T> = (em: EntityManager) => Promise<T>;

/** How a unit of work opens; the defaults of the Database it is opened on apply to what is left out. */
export interface UnitOptions {
  /**
   * A READ ONLY transaction: PostgreSQL refuses every write in it (and so every recorded effect,
   * whose outbox row could not be written). Read-only procedures open their units this way.
   */
  readOnly?: boolean;
  /**
   * A READ ONLY, REPEATABLE READ transaction: every read sees one snapshot of the database, for
   * work that must be consistent across many reads (an export archive).
   */
  snapshot?: boolean;
}

/** The rows of each statement of a read unit, in order. */
export type ReadUnitRows<S extends readonly SqlStatement<unknown>[]> = {
  -readonly [K in keyof S]: S[K] extends SqlStatement<infer Row> ? Row[] : never;
};

/** knex's pool of pg clients under the ORM (knex/lib/client.js), as a read unit uses it. */
interface PooledClients {
  acquireConnection(): Promise<PooledConnection>;
  releaseConnection(connection: PooledConnection): Promise<void>;
}

/** A pooled pg client; knex's pool destroys one marked disposed instead of handing it out again. */
type PooledConnection = pg.ClientBase & { __knex__disposed?: unknown };

function assertTenantId(tenantId: number): void {
  if (!Number.isSafeInteger(tenantId) || tenantId <= 0) throw new TypeError(`invalid tenant id: ${tenantId}`);
}

/**
 * The one place that opens units of work. Every unit is one transaction on a fresh EntityManager;
 * a tenant unit sets both isolation layers for that transaction only — the ORM filter params and
 * `app.current_tenant_id` with set_config(..., true) — so a pooled connection never carries a
 * tenant on to the next user. Services receive the EntityManager and never open transactions.
 *
 * A unit opens in one round trip: BEGIN and the unit's settings go to PostgreSQL as one query
 * (see unit-connection.ts), and it commits in another, with the unit's own statements in between.
 *
 * Side effects go through the transactional outbox (see outbox.ts): each is a row written in the
 * unit's transaction and run right after it commits; rows that did not run stay for the sweeper.
 */
export class Database {
  /**
   * `orm` connects as the app role (tenant units of work), `globalOrm` as the global role (global
   * units and platform reads): two login roles, so nothing sent on a tenant unit's connection can
   * reach what only the global role may (see migrate.ts).
   */
  private constructor(
    readonly orm: MikroORM,
    readonly globalOrm: MikroORM,
    private readonly defaults: { readOnly: boolean } = { readOnly: false },
  ) {}

  /**
   * Called with each after-commit effect that failed. The change is committed and the effect's
   * outbox row stays, so the sweeper runs it later.
   */
  onEffectError: (error: unknown) => void = (error) => {
    process.emitWarning(`after-commit effect failed: ${error instanceof Error ? error.message : String(error)}`);
  };

  /** Deletions of relayed outbox rows still on their way; close() waits for them. */
  private readonly forgetting = new Set<Promise<void>>();

  static async connect(options: DatabaseOptions): Promise<Database> {
    const { globalUrl = globalUrlOf(options.url), ...app } = options;
    const [orm, globalOrm] = await Promise.all([createOrm(app), createOrm({ ...app, url: globalUrl })]);
    return new Database(orm, globalOrm);
  }

  /**
   * This database with units of work opening READ ONLY unless a call asks otherwise: what a
   * read-only procedure is handed. It shares the connections, the effect handler and close().
   */
  readOnly(): Database {
    this.readOnlyView ??= Object.create(this, { defaults: { value: { ...this.defaults, readOnly: true } } });
    return this.readOnlyView as Database;
  }

  private readOnlyView: Database | undefined;

  /** A transaction scoped to one tenant; the tenant must come from a verified credential or job. */
  async inTenant<T>(tenantId: number, work: UnitOfWork<T>, options: UnitOptions = {}): Promise<T> {
    assertTenantId(tenantId);
    const em = this.orm.em.fork({ clear: true, disableContextResolution: true });
    em.setFilterParams(TENANT_FILTER, { tenantId } satisfies TenantFilterParams);
    // The tenant id is a checked positive integer, so it can stand in the opening's SQL as a literal.
    const sql = `select set_config('app.current_tenant_id', '${tenantId}', true)`;
    const readOnly = options.snapshot || (options.readOnly ?? this.defaults.readOnly);
    return this.run(em, tenantId, { readOnly, snapshot: options.snapshot, sql }, work);
  }

  /**
   * A tenant's READ ONLY unit in one round trip, for hot reads whose ORM path costs more than the
   * reading itself: BEGIN, the tenant's set_config, the statements and COMMIT go to PostgreSQL as
   * one simple-protocol query on a connection of the app role's pool, and each statement's rows come
   * back as the ORM's raw queries return them (the pool's pg type parsing: timestamps as text, json
   * parsed). Row-level security holds as in inTenant; the ORM's tenant filter does not apply, so a
   * statement names its tenant itself where the table is tenant-scoped. It writes nothing and
   * records no effects; a failed statement's transaction is rolled back before the connection goes
   * back to the pool, and an error reads as the ORM's would (an outage is still an outage).
   */
  async readInTenant<const S extends readonly SqlStatement<unknown>[]>(
    tenantId: number,
    statements: S,
  ): Promise<ReadUnitRows<S>> {
    assertTenantId(tenantId);
    const texts = statements.map(statementText);
    const query = [
      'BEGIN TRANSACTION READ ONLY',
      `select set_config('app.current_tenant_id', '${tenantId}', true)`,
      ...texts,
      'COMMIT',
    ].join('; ');
    const driver = this.orm.em.getDriver();
    // As the ORM rethrows what the driver throws: its exception types, the cause's code kept.
    const converted = (error: unknown) => (error instanceof Error ? driver.convertException(error) : error);
    const pool = driver.getConnection().getKnex().client as PooledClients;
    let connection: PooledConnection;
    try {
      connection = await pool.acquireConnection();
    } catch (error) {
      throw converted(error);
    }
    let results: pg.QueryResult[];
    try {
      // A query of several statements answers with one result per statement.
      results = (await connection.query(query)) as unknown as pg.QueryResult[];
    } catch (error) {
      // PostgreSQL skipped the rest, COMMIT included: the transaction is open and aborted.
      await connection.query('ROLLBACK').catch((lost: unknown) => {
        connection.__knex__disposed = lost;
      });
      throw converted(error);
    } finally {
      await pool.releaseConnection(connection);
    }
    // Past BEGIN and set_config, one result per statement, then COMMIT's.
    return results.slice(2, 2 + texts.length).map((result) => result.rows) as ReadUnitRows<S>;
  }

  /**
   * A transaction as the global role over the global tables (tenants, users, account mail, the
   * global outbox) with no tenant set: row-level security hides every tenant-scoped row and the
   * ORM refuses tenant-scoped queries without params. For what belongs to no tenant: sign-in and
   * account lookups, sign-up, memberships, operator listings, scheduled scans, the sweeper.
   */
  async inGlobal<T>(work: UnitOfWork<T>, options: UnitOptions = {}): Promise<T> {
    const em = this.globalOrm.em.fork({ clear: true, disableContextResolution: true });
    return this.run(em, null, { readOnly: options.readOnly ?? this.defaults.readOnly, sql: '' }, work);
  }

  /**
   * A READ ONLY transaction that sees every tenant's rows of the tables the operator analytics
   * read (see Migration20261201410000PlatformRead): for platform-wide figures that would otherwise
   * take one unit of work per tenant. Only operator procedures and platform jobs may call it; it
   * can change nothing (nor queue effects), and the setting ends with the transaction.
   */
  async inPlatformRead<T>(work: UnitOfWork<T>): Promise<T> {
    const em = this.globalOrm.em.fork({ clear: true, disableContextResolution: true });
    return this.run(em, null, { readOnly: true, sql: "select set_config('app.platform_read', 'on', true)" }, work);
  }

  /**
   * One transaction on `em`, opened with `opening` in its first round trip. Begun and ended on the
   * fork itself rather than through em.transactional, which would fork again and merge back.
   */
  private async run<T>(em: EntityManager, tenantId: number | null, opening: UnitOpening, work: UnitOfWork<T>) {
    await em.begin({ opening } satisfies UnitBeginOptions as TransactionOptions);
    let unit: PendingUnit;
    let value: T;
    try {
      unit = openPendingUnit(em, tenantId);
      value = await work(em);
      await em.flush();
      await writeOutbox(em, unit);
      for (const step of unit.beforeCommit) await step();
      await em.commit();
    } catch (error) {
      await em.rollback();
      throw error;
    }
    if (unit.effects.length > 0) await this.relay(unit);
    return value;
  }

  /**
   * Runs a committed unit's effects at once, so the caller's next request already sees them (a
   * dropped cache, a revoked key). Deleting their rows is left off the response path: a row that
   * outlives its effect only makes the sweeper repeat an effect that is safe to repeat.
   */
  private async relay(unit: PendingUnit): Promise<void> {
    const ran = await runEffects(this, unit.effects, (error) => this.onEffectError(error));
    if (ran.length === 0) return;
    const { tenantId } = unit;
    // One round trip on the unit's own role: no unit of work (BEGIN … COMMIT) just to delete rows.
    const connection = (tenantId === null ? this.globalOrm : this.orm).em.getConnection();
    const forgetting = Promise.resolve()
      .then(() => connection.execute(forgetEffectsSql(tenantId, ran)))
      .then(() => undefined)
      .catch((error: unknown) => this.onEffectError(error))
      .finally(() => this.forgetting.delete(forgetting));
    this.forgetting.add(forgetting);
  }

  /**
   * Cross-tenant access by a platform operator: an explicit, named call that opens the target
   * tenant's unit of work and records who entered and why in that tenant's audit log, in the same
   * transaction as whatever the operator does there.
   */
  async asPlatformOperator<T>(actor: Actor, tenantId: number, reason: string, work: UnitOfWork<T>): Promise<T> {
    // Never read-only, even for a read: the entry that records the access is a write.
    return this.inTenant(
      tenantId,
      async (em) => {
        // The audit trail names tenants by their public id, like every answer of the api.
        const [target] = await em.execute<{ tenant_uuid: string }[]>('select tenant_uuid from tenants where id = ?', [
          tenantId,
        ]);
        em.create(TenantAuditLog, {
          tenant: tenantId,
          user: actor.userId,
          action: 'platform.tenant_accessed',
          resourceType: 'tenant',
          resourceId: target?.tenant_uuid ?? null,
          details: { reason },
          ipAddress: actor.ipAddress ?? null,
          userAgent: actor.userAgent ?? null,
        });
        const result = await work(em);
        await em.flush();
        return result;
      },
      { readOnly: false },
    );
  }

  /** Round trip to PostgreSQL on both connections, for health checks. */
  async ping(): Promise<void> {
    await Promise.all([this.pingApp(), this.pingGlobal()]);
  }

  async pingApp(): Promise<void> {
    await this.orm.em.getConnection().execute('select 1');
  }

  async pingGlobal(): Promise<void> {
    await this.globalOrm.em.getConnection().execute('select 1');
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.forgetting]);
    await Promise.all([this.orm.close(true), this.globalOrm.close(true)]);
  }
}
