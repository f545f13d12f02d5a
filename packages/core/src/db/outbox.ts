import type { EntityManager } from '@mikro-orm/postgresql';
import type { Database } from './database.js';
import { isUuid, uuidv7 } from './ids.js';

/**
 * One side effect of a unit of work (a job to enqueue, an event to publish, a cache to drop, a
 * credential to change in Redis), stored as an outbox row in the same transaction as the change it
 * follows from. The kernel knows effects only by kind; the domain says what each kind does.
 */
export interface OutboxEntry {
  /** uuidv7, so entries sort by creation; effects derive their idempotency keys from it. */
  id: string;
  /** The unit of work's tenant; null for a global unit of work. */
  tenantId: number | null;
  kind: string;
  payload: unknown;
}

/**
 * Carries out one effect. It must be safe to repeat: the relay runs it right after commit, and the
 * sweeper runs it again whenever it cannot tell that it ran (a crash, an outage, a lost reply).
 */
export type EffectRunner = (entry: OutboxEntry, db: Database) => Promise<void>;

/** What a unit of work collects while it runs. */
export interface PendingUnit {
  tenantId: number | null;
  effects: { entry: OutboxEntry; run: EffectRunner }[];
  beforeCommit: (() => Promise<void>)[];
}

const pendingUnits = new WeakMap<EntityManager, PendingUnit>();

export function openPendingUnit(em: EntityManager, tenantId: number | null): PendingUnit {
  const unit: PendingUnit = { tenantId, effects: [], beforeCommit: [] };
  pendingUnits.set(em, unit);
  return unit;
}

function pendingUnitOf(em: EntityManager): PendingUnit {
  const unit = pendingUnits.get(em);
  if (!unit) throw new Error('effects need the EntityManager of an open unit of work');
  return unit;
}

/**
 * Records an effect of the unit of work: written to the outbox before commit, run after commit.
 * A rolled-back unit leaves neither row nor effect, so no job or event describes a change that did
 * not happen; a committed one keeps its row until the effect is known to have run.
 */
export function recordEffect(em: EntityManager, effect: { kind: string; payload: unknown }, run: EffectRunner): void {
  const unit = pendingUnitOf(em);
  unit.effects.push({ entry: { id: uuidv7(), tenantId: unit.tenantId, ...effect }, run });
}

/**
 * A step that must succeed before the unit of work may commit, run after its rows are written and
 * locked. Used where an effect must already hold when the change becomes visible: a revoked
 * credential is refused from the moment its revocation commits. A failing step rolls the unit back.
 */
export function beforeCommit(em: EntityManager, step: () => Promise<void>): void {
  pendingUnitOf(em).beforeCommit.push(step);
}

/** Seconds the relay has before the sweeper considers a fresh row forgotten. */
export const RELAY_GRACE_SECONDS = 5;
const MAX_BACKOFF_SECONDS = 300;

function tableOf(tenantId: number | null): string {
  return tenantId === null ? 'global_outbox' : 'tenant_outbox';
}

/** Writes the unit's effects as outbox rows, in one statement, inside its transaction. */
export async function writeOutbox(em: EntityManager, unit: PendingUnit): Promise<void> {
  if (unit.effects.length === 0) return;
  const rows = unit.effects.map(({ entry }) => entry);
  const tenantColumn = unit.tenantId === null ? '' : 'tenant_id, ';
  const placeholders = rows
    .map(
      () => `(${unit.tenantId === null ? '' : '?, '}?, ?, ?::jsonb, now() + interval '${RELAY_GRACE_SECONDS} seconds')`,
    )
    .join(', ');
  await em.execute(
    `insert into ${tableOf(unit.tenantId)} (${tenantColumn}id, kind, payload, next_attempt_at) values ${placeholders}`,
    rows.flatMap((row) => [
      ...(unit.tenantId === null ? [] : [unit.tenantId]),
      row.id,
      row.kind,
      JSON.stringify(row.payload),
    ]),
  );
}

/** Runs effects in order; one failing does not stop the others. Returns the ids that ran. */
export async function runEffects(
  db: Database,
  effects: PendingUnit['effects'],
  onError: (error: unknown, entry: OutboxEntry) => void,
): Promise<string[]> {
  const ran: string[] = [];
  for (const { entry, run } of effects) {
    try {
      await run(entry, db);
      ran.push(entry.id);
    } catch (error) {
      onError(error, entry);
    }
  }
  return ran;
}

/** Deletes the rows of effects that ran; the caller's unit of work must be the rows' tenant. */
export async function forgetEffects(em: EntityManager, tenantId: number | null, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await em.execute(`delete from ${tableOf(tenantId)} where id in (?)`, [ids]);
}

/**
 * The relay's deletion of the rows whose effects ran, as one simple-protocol query: PostgreSQL runs
 * its statements as one implicit transaction, so the tenant it sets for row-level security ends
 * with it, and the whole deletion is one round trip. It can hold no parameters, so the ids (the
 * unit's own uuids) and the tenant id (checked when the unit opened) are checked again and stand
 * in it as literals.
 */
export function forgetEffectsSql(tenantId: number | null, ids: readonly string[]): string {
  if (tenantId !== null && (!Number.isSafeInteger(tenantId) || tenantId <= 0)) {
    throw new TypeError(`invalid tenant id: ${tenantId}`);
  }
  const bad = ids.find((id) => !isUuid(id));
  if (bad !== undefined || ids.length === 0) throw new TypeError(`not outbox ids: ${ids.join(', ')}`);
  const setTenant = tenantId === null ? '' : `select set_config('app.current_tenant_id', '${tenantId}', true); `;
  return `${setTenant}delete from ${tableOf(tenantId)} where id in (${ids.map((id) => `'${id}'`).join(', ')})`;
}

export interface SweepResult {
  ran: number;
  failed: number;
}

/**
 * Runs what the relay left behind: rows past their grace, oldest first, in each tenant's own unit
 * of work. `for update skip locked` keeps two sweepers (two workers) off the same rows. A failed
 * effect is retried later with exponential backoff; a successful one's row is deleted.
 */
export async function sweepOutbox(
  db: Database,
  run: EffectRunner,
  options: { maxTenants?: number; batch?: number } = {},
): Promise<SweepResult> {
  const { maxTenants = 500, batch = 200 } = options;
  const due = await db.inGlobal((em) =>
    em.execute<{ tenant_id: number }[]>('select tenant_id from outbox_due_tenants(?)', [maxTenants]),
  );
  const total: SweepResult = { ran: 0, failed: 0 };
  const add = (result: SweepResult) => {
    total.ran += result.ran;
    total.failed += result.failed;
  };
  for (const { tenant_id: tenantId } of due) {
    add(await db.inTenant(tenantId, (em) => sweepTable(db, em, tenantId, run, batch)));
  }
  add(await db.inGlobal((em) => sweepTable(db, em, null, run, batch)));
  return total;
}

async function sweepTable(
  db: Database,
  em: EntityManager,
  tenantId: number | null,
  run: EffectRunner,
  batch: number,
): Promise<SweepResult> {
  const table = tableOf(tenantId);
  const rows = await em.execute<{ id: string; kind: string; payload: unknown }[]>(
    `select id, kind, payload from ${table} where next_attempt_at <= now() order by id limit ? for update skip locked`,
    [batch],
  );
  const failures: { id: string; message: string }[] = [];
  const ran = await runEffects(
    db,
    rows.map((row) => ({ entry: { id: row.id, tenantId, kind: row.kind, payload: row.payload }, run })),
    (error, entry) => failures.push({ id: entry.id, message: error instanceof Error ? error.message : String(error) }),
  );
  await forgetEffects(em, tenantId, ran);
  for (const failure of failures) {
    await em.execute(
      `update ${table} set attempts = attempts + 1, last_error = ?,
         next_attempt_at = now() + least(power(2, attempts), ?) * interval '1 second'
       where id = ?`,
      [failure.message.slice(0, 1000), MAX_BACKOFF_SECONDS, failure.id],
    );
  }
  return { ran: ran.length, failed: failures.length };
}
