import { type Configuration, EventType, type TransactionEventBroadcaster } from '@mikro-orm/core';
import {
  type Knex,
  PostgreSqlConnection,
  PostgreSqlDriver,
  PostgreSqlKnexDialect,
  type Transaction,
} from '@mikro-orm/postgresql';

/**
 * How a unit of work's transaction opens: READ ONLY or not, and the SQL that must run before the
 * unit's first statement (the tenant's set_config). It is sent with BEGIN as one simple-protocol
 * query — one round trip — so it may hold no parameters: Database builds it from validated values.
 */
export interface UnitOpening {
  readOnly: boolean;
  /** Statements run right after BEGIN in the same round trip; '' for none. */
  sql: string;
}

export interface UnitBeginOptions {
  ctx?: Transaction;
  readOnly?: boolean;
  eventBroadcaster?: TransactionEventBroadcaster;
  opening?: UnitOpening;
}

/** The SQL of the round trip that opens a unit: BEGIN and the unit's settings. */
export function openingSql(opening: UnitOpening): string {
  const begin = opening.readOnly ? 'BEGIN TRANSACTION READ ONLY;' : 'BEGIN;';
  return opening.sql ? `${begin} ${opening.sql}` : begin;
}

interface KnexTransaction {
  query(connection: unknown, sql: string): Promise<unknown>;
  begin(connection: unknown): Promise<unknown>;
}

/**
 * knex's PostgreSQL client, except that a transaction given an `opening` in its config sends it
 * together with BEGIN (knex hands the config on as given, but for its userParams). knex constructs a transaction and only begins it once it holds a pooled
 * connection (a later tick), so replacing `begin` on the fresh transaction precedes its use.
 */
class UnitKnexDialect extends PostgreSqlKnexDialect {
  transaction(...args: unknown[]): unknown {
    const transaction = (super.transaction as (...a: unknown[]) => KnexTransaction)(...args);
    const opening = (args[1] as { opening?: UnitOpening } | undefined)?.opening;
    if (opening) transaction.begin = (connection) => transaction.query(connection, openingSql(opening));
    return transaction;
  }
}

/** MikroORM's PostgreSQL connection over UnitKnexDialect, passing a unit's opening down to knex. */
export class UnitConnection extends PostgreSqlConnection {
  override createKnex(): void {
    this.client = this.createKnexClient(UnitKnexDialect as unknown as string);
    (this.client.client as { ormConfig?: Configuration }).ormConfig = this.config;
    this.connected = true;
  }

  /** As MikroORM begins a top-level transaction (same events), with the unit's opening in the BEGIN round trip. */
  override async begin(options: UnitBeginOptions = {}): Promise<Knex.Transaction> {
    const { opening, ctx, eventBroadcaster } = options;
    if (!opening || ctx) return super.begin(options);
    await eventBroadcaster?.dispatchEvent(EventType.beforeTransactionStart);
    const config = { readOnly: opening.readOnly, opening } as Knex.TransactionConfig;
    const trx = await this.getKnex().transaction(null, config);
    this.logQuery(openingSql(opening));
    await eventBroadcaster?.dispatchEvent(EventType.afterTransactionStart, trx);
    return trx;
  }
}

/** The PostgreSQL driver on UnitConnection (no read replicas are configured). */
export class UnitDriver extends PostgreSqlDriver {
  constructor(config: Configuration) {
    super(config);
    (this as unknown as { connection: UnitConnection }).connection = new UnitConnection(this.config);
  }
}
