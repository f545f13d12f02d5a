import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { TenantAuditLog } from '../audit/audit-log.entity.js';
import { globalUrlOf } from './migrate.js';
import { createOrm, type OrmOptions } from './orm.js';
import { forgetEffects, openPendingUnit, type PendingUnit, runEffects, writeOutbox } from './outbox.js';
import { TENANT_FILTER, type TenantFilterParams } from './tenant-scope.js';

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

export interface UnitOptions {
  /**
   * A READ ONLY, REPEATABLE READ transaction: every read sees one snapshot of the database, for
   * work that must be consistent across many reads (an export archive).
   */
  snapshot?: boolean;
}

function assertTenantId(tenantId: number): void {
  if (!Number.isSafeInteger(tenantId) || tenantId <= 0) throw new TypeError(`invalid tenant id: ${tenantId}`);
}

/**
 * The one place that opens units of work. Every unit is one transaction on a fresh EntityManager;
 * a tenant unit sets both isolation layers for that transaction only — the ORM filter params and
 * `app.current_tenant_id` with set_config(..., true) — so a pooled connection never carries a
 * tenant on to the next user. Services receive the EntityManager and never open transactions.
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

  /** A transaction scoped to one tenant; the tenant must come from a verified credential or job. */
  async inTenant<T>(tenantId: number, work: UnitOfWork<T>, options: UnitOptions = {}): Promise<T> {
    assertTenantId(tenantId);
    const em = this.orm.em.fork({ clear: true });
    em.setFilterParams(TENANT_FILTER, { tenantId } satisfies TenantFilterParams);
    return this.run(
      em,
      tenantId,
      async (tx) => {
        await tx.execute("select set_config('app.current_tenant_id', ?, true)", [String(tenantId)]);
        return work(tx);
      },
      options,
    );
  }

  /**
   * A transaction as the global role over the global tables (tenants, users, account mail, the
   * global outbox) with no tenant set: row-level security hides every tenant-scoped row and the
   * ORM refuses tenant-scoped queries without params. For what belongs to no tenant: sign-in and
   * account lookups, sign-up, memberships, operator listings, scheduled scans, the sweeper.
   */
  async inGlobal<T>(work: UnitOfWork<T>): Promise<T> {
    return this.run(this.globalOrm.em.fork({ clear: true }), null, work);
  }

  /**
   * A READ ONLY transaction that sees every tenant's rows of the tables the operator analytics
   * read (see Migration20261201410000PlatformRead): for platform-wide figures that would otherwise
   * take one unit of work per tenant. Only operator procedures and platform jobs may call it; it
   * can change nothing (nor queue effects), and the setting ends with the transaction.
   */
  async inPlatformRead<T>(work: UnitOfWork<T>): Promise<T> {
    return this.run(this.globalOrm.em.fork({ clear: true }), null, async (tx) => {
      await tx.execute("set transaction read only; select set_config('app.platform_read', 'on', true)");
      return work(tx);
    });
  }

  private async run<T>(
    em: EntityManager,
    tenantId: number | null,
    work: UnitOfWork<T>,
    options: UnitOptions = {},
  ): Promise<T> {
    let unit: PendingUnit | undefined;
    const result = await em.transactional(
      async (tx) => {
        unit = openPendingUnit(tx, tenantId);
        const value = await work(tx);
        await tx.flush();
        await writeOutbox(tx, unit);
        for (const step of unit.beforeCommit) await step();
        return value;
      },
      options.snapshot ? { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true } : {},
    );
    if (unit && unit.effects.length > 0) await this.relay(unit);
    return result;
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
    const forget = (tx: EntityManager) => forgetEffects(tx, tenantId, ran);
    const forgetting = (tenantId === null ? this.inGlobal(forget) : this.inTenant(tenantId, forget))
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
    return this.inTenant(tenantId, async (em) => {
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
    });
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
