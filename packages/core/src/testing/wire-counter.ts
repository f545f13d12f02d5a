/**
 * Loopback TCP proxies that count what a process sends to PostgreSQL and Redis, read off the wire
 * protocols themselves, so the figures need no extension (pg_stat_statements) and include every
 * statement an ORM or a driver sends. Used by tests that count round trips and by the bench's
 * counting api instance, never under load.
 */
import net from 'node:net';

export interface WireCounts {
  /** Round trips to PostgreSQL: each ends with exactly one ReadyForQuery from the server. */
  pgRoundTrips: number;
  /** Statements: simple Query messages plus Execute messages of the extended protocol. */
  pgStatements: number;
  /** Transactions that ended: ReadyForQuery in the idle state (after COMMIT, ROLLBACK or an implicit one). */
  pgTransactions: number;
  /** Redis commands (each a round trip unless pipelined). */
  redisCommands: number;
}

/** SQL sent to PostgreSQL, in order: the text of each simple Query and of each Parse. */
export interface SentSql {
  sql: string;
  /** The round trip it went out in (the count of ReadyForQuery seen before it). */
  roundTrip: number;
}

export interface WireCounter {
  /** URLs to hand the counted process instead of the real ones ('' for Redis when not counted). */
  databaseUrl: string;
  redisUrl: string;
  read(): WireCounts;
  /** The SQL sent since the counter started (kept only with `{ keepSql: true }`). */
  sql(): SentSql[];
  close(): Promise<void>;
}

/**
 * PostgreSQL messages after the start-up packet are a type byte and an int32 length (which counts
 * itself); the start-up packet, and an SSL or cancel request, have no type byte.
 */
function pgMessages(onMessage: (type: number, body: Buffer) => void, startup: boolean) {
  let pending: Buffer = Buffer.alloc(0);
  let awaitingStartup = startup;
  return (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (awaitingStartup) {
        if (pending.length < 4) return;
        const length = pending.readInt32BE(0);
        if (pending.length < length) return;
        pending = pending.subarray(length);
        awaitingStartup = false;
        continue;
      }
      if (pending.length < 5) return;
      const length = pending.readInt32BE(1);
      if (pending.length < 1 + length) return;
      onMessage(pending[0] as number, pending.subarray(5, 1 + length));
      pending = pending.subarray(1 + length);
    }
  };
}

/** Counts top-level RESP arrays (commands) in what a Redis client sends. */
function redisCommands(onCommand: () => void) {
  let pending = '';
  return (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    for (;;) {
      const end = skipValue(pending, 0);
      if (end < 0) return;
      onCommand();
      pending = pending.slice(end);
    }
  };
}

/** The offset after the RESP value starting at `at`, or -1 when it is not complete yet. */
function skipValue(text: string, at: number): number {
  const lineEnd = text.indexOf('\r\n', at);
  if (lineEnd < 0) return -1;
  const type = text[at];
  const size = Number(text.slice(at + 1, lineEnd));
  if (type === '*') {
    let offset = lineEnd + 2;
    for (let i = 0; i < size; i++) {
      offset = skipValue(text, offset);
      if (offset < 0) return -1;
    }
    return offset;
  }
  if (type === '$') {
    if (size < 0) return lineEnd + 2;
    const end = lineEnd + 2 + size + 2;
    return text.length >= end ? end : -1;
  }
  return lineEnd + 2;
}

async function proxy(
  target: URL,
  onClientData: () => (chunk: Buffer) => void,
  onServerData: () => ((chunk: Buffer) => void) | null,
): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.hostname, port: Number(target.port) });
    sockets.add(client).add(upstream);
    const fromClient = onClientData();
    const fromServer = onServerData();
    client.on('data', (chunk: Buffer) => {
      fromClient(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      fromServer?.(chunk);
      client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close() {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** The query text of a simple Query (`text\0`) or of a Parse (`name\0text\0…`) message. */
function queryText(type: number, body: Buffer): string {
  const start = type === Q ? 0 : body.indexOf(0) + 1;
  return body.toString('utf8', start, body.indexOf(0, start));
}

const Q = 'Q'.charCodeAt(0);
const P = 'P'.charCodeAt(0);
const E = 'E'.charCodeAt(0);
const Z = 'Z'.charCodeAt(0);
const I = 'I'.charCodeAt(0);

/**
 * Counts what goes to PostgreSQL at `databaseUrl`, and to Redis at `redisUrl` when given, through
 * loopback proxies; point the process under test at the returned URLs.
 */
export async function startWireCounter(
  databaseUrl: string,
  redisUrl?: string,
  options: { keepSql?: boolean } = {},
): Promise<WireCounter> {
  const counts: WireCounts = { pgRoundTrips: 0, pgStatements: 0, pgTransactions: 0, redisCommands: 0 };
  const sent: SentSql[] = [];
  const pgTarget = new URL(databaseUrl);
  const pg = await proxy(
    pgTarget,
    () =>
      pgMessages((type, body) => {
        if (type === Q || type === E) counts.pgStatements++;
        if (options.keepSql && (type === Q || type === P)) {
          sent.push({ sql: queryText(type, body), roundTrip: counts.pgRoundTrips });
        }
      }, true),
    () =>
      pgMessages((type, body) => {
        if (type !== Z) return;
        counts.pgRoundTrips++;
        if (body[0] === I) counts.pgTransactions++;
      }, false),
  );
  const redisTarget = redisUrl === undefined ? null : new URL(redisUrl);
  const redis =
    redisTarget &&
    (await proxy(
      redisTarget,
      () =>
        redisCommands(() => {
          counts.redisCommands++;
        }),
      () => null,
    ));
  const via = (url: URL, port: number) => {
    const copy = new URL(url);
    copy.hostname = '127.0.0.1';
    copy.port = String(port);
    return copy.toString();
  };
  return {
    databaseUrl: via(pgTarget, pg.port),
    redisUrl: redisTarget && redis ? via(redisTarget, redis.port) : '',
    read: () => ({ ...counts }),
    sql: () => [...sent],
    async close() {
      pg.close();
      redis?.close();
    },
  };
}
