import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { TenantAuditLog } from '../audit/audit-log.entity.js';
import { createOrm, type OrmOptions } from './orm.js';
import { TENANT_FILTER, type TenantFilterParams } from './tenant-scope.js';

/** Who is acting, for the audit trail. */
export interface Actor {
  userId: string | null;
  ipAddress?: string | null;
  userAgent?: string | null;
}

export type UnitOfWork<T> = (em: EntityManager) => Promise<T>;

type Effect = () => Promise<unknown>;
const pendingEffects = new WeakMap<EntityManager, Effect[]>();

/**
 * Registers work that must happen only once the unit of work's transaction has committed:
 * enqueueing jobs and publishing events. A rolled-back unit never runs them, so no job or event
 * describes a change that did not happen.
 */
export function afterCommit(em: EntityManager, effect: Effect): void {
  const effects = pendingEffects.get(em);
  if (!effects) throw new Error('afterCommit needs the EntityManager of an open unit of work');
  effects.push(effect);
}

function assertTenantId(tenantId: number): void {
  if (!Number.isSafeInteger(tenantId) || tenantId <= 0) throw new TypeError(`invalid tenant id: ${tenantId}`);
}

/**
 * The one place that opens units of work. Every unit is one transaction on a fresh EntityManager;
 * a tenant unit sets both isolation layers for that transaction only — the ORM filter params and
 * `app.current_tenant_id` with set_config(..., true) — so a pooled connection never carries a
 * tenant on to the next user. Services receive the EntityManager and never open transactions.
 */
export class Database {
  private constructor(readonly orm: MikroORM) {}

  /** Called with each after-commit effect that failed; the change itself is already committed. */
  onEffectError: (error: unknown) => void = (error) => {
    process.emitWarning(`after-commit effect failed: ${error instanceof Error ? error.message : String(error)}`);
  };

  static async connect(options: OrmOptions): Promise<Database> {
    return new Database(await createOrm(options));
  }

  /** A transaction scoped to one tenant; the tenant must come from a verified credential or job. */
  async inTenant<T>(tenantId: number, work: UnitOfWork<T>): Promise<T> {
    assertTenantId(tenantId);
    const em = this.orm.em.fork({ clear: true });
    em.setFilterParams(TENANT_FILTER, { tenantId } satisfies TenantFilterParams);
    return this.run(em, async (tx) => {
      await tx.execute("select set_config('app.current_tenant_id', ?, true)", [String(tenantId)]);
      return work(tx);
    });
  }

  /**
   * A transaction over the global tables (tenants, users) with no tenant set: row-level security
   * hides every tenant-scoped row and the ORM refuses tenant-scoped queries without params.
   */
  async inGlobal<T>(work: UnitOfWork<T>): Promise<T> {
    return this.run(this.orm.em.fork({ clear: true }), work);
  }

  private async run<T>(em: EntityManager, work: UnitOfWork<T>): Promise<T> {
    let effects: Effect[] = [];
    const result = await em.transactional(async (tx) => {
      effects = [];
      pendingEffects.set(tx, effects);
      const value = await work(tx);
      await tx.flush();
      return value;
    });
    // Effects run in order, after commit; one failing does not stop the others.
    for (const effect of effects) {
      await effect().catch((error: unknown) => this.onEffectError(error));
    }
    return result;
  }

  /**
   * Cross-tenant access by a platform operator: an explicit, named call that opens the target
   * tenant's unit of work and records who entered and why in that tenant's audit log, in the same
   * transaction as whatever the operator does there.
   */
  async asPlatformOperator<T>(actor: Actor, tenantId: number, reason: string, work: UnitOfWork<T>): Promise<T> {
    return this.inTenant(tenantId, async (em) => {
      em.create(TenantAuditLog, {
        tenant: tenantId,
        user: actor.userId,
        action: 'platform.tenant_accessed',
        resourceType: 'tenant',
        resourceId: String(tenantId),
        details: { reason },
        ipAddress: actor.ipAddress ?? null,
        userAgent: actor.userAgent ?? null,
      });
      const result = await work(em);
      await em.flush();
      return result;
    });
  }

  /** Round trip to PostgreSQL for health checks. */
  async ping(): Promise<void> {
    await this.orm.em.getConnection().execute('select 1');
  }

  async close(): Promise<void> {
    await this.orm.close(true);
  }
}
