import { createTenantWithMembers, rawClient, type TenantFixture } from '@digame/core/testing';
import type { AnyProcedure } from '@trpc/server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { HOSTILE_STRINGS, hostileValue, inputsFor, knownIds } from './fuzz/arbitraries.js';
import { REST_ROUTES } from './rest/routes.js';
import { useTestApi } from './testing/test-api.js';
import { appRouter } from './trpc/router.js';

/**
 * Generated inputs — valid, boundary and hostile — to every tRPC procedure (enumerated from the
 * router, so a new one is fuzzed without a line here) and every REST path, as every kind of caller.
 * Whatever comes in: never a 5xx, never a stack trace or SQL text, and a refusal changes nothing in
 * the database (checksum over every table, compared before and after runs of refusals).
 * 10,000 cases per run; FUZZ_TRPC and FUZZ_REST set other counts for a longer local run, and a
 * failure prints the seed and the case to replay.
 */
const api = useTestApi();
const TRPC_RUNS = Number(process.env.FUZZ_TRPC ?? 8_500);
const REST_RUNS = Number(process.env.FUZZ_REST ?? 1_500);

type Caller = 'anonymous' | 'forged' | 'viewer' | 'member' | 'manager' | 'admin' | 'other-tenant-admin' | 'operator';
const CALLERS: Caller[] = [
  'anonymous',
  'forged',
  'viewer',
  'member',
  'manager',
  'admin',
  'other-tenant-admin',
  'operator',
];

let home: TenantFixture;
let other: TenantFixture;
let platform: TenantFixture;
const tokens = new Map<Caller, string>();
/**
 * Over the api's real listener, so a single call takes the single-call lane and the rest (batches,
 * subscriptions, REST) the Hono app, as in production.
 */
const app = { request: (path: string, init?: RequestInit) => fetch(`${api.url}${path}`, init) };

async function issueToken(caller: Caller): Promise<string | null> {
  switch (caller) {
    case 'anonymous':
      return null;
    case 'forged':
      return 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.forged';
    case 'other-tenant-admin':
      return api.sessionToken({ tenantId: other.tenantId, userId: other.users.admin, role: 'admin' });
    case 'operator':
      return api.sessionToken({
        tenantId: platform.tenantId,
        userId: platform.users.admin,
        role: 'admin',
        platformOperator: true,
      });
    default:
      return api.sessionToken({ tenantId: home.tenantId, userId: home.users[caller], role: caller });
  }
}

beforeAll(async () => {
  home = await createTenantWithMembers(api.database.db, 'Fuzz Home', 'enterprise');
  other = await createTenantWithMembers(api.database.db, 'Fuzz Other', 'enterprise');
  platform = await createTenantWithMembers(api.database.db, 'Fuzz Platform', 'enterprise');
  // Thousands of calls in an hour: the hourly API-call limit is not what this test is about.
  await api.database.db.inGlobal((em) => em.execute('update tenants set api_rate_limit = 10000000'));
  for (const tenant of [home, other, platform]) await api.deps.tenants.invalidate(tenant.tenantId);
  for (const caller of CALLERS) {
    const token = await issueToken(caller);
    if (token) tokens.set(caller, token);
  }
  knownIds.push(
    ...[home, other, platform].flatMap((t) => [t.tenantUuid, ...Object.values(t.users)]),
    ...[home, other, platform].map((t) => t.slug),
  );
});

/**
 * Every table's rows, hashed, in the global view and in each fixture tenant's (row-level security
 * applies to the owner too). Tenants that generated sign-ups create are new rows of the global
 * tenants table, which is in the sum.
 */
let inspector: Awaited<ReturnType<typeof rawClient>> | undefined;
let checksumSql: string | undefined;
const tally = { refused: 0, succeeded: 0, checksums: 0 };
async function checksum(): Promise<string> {
  tally.checksums++;
  inspector ??= await rawClient(api.database.ownerUrl);
  if (!checksumSql) {
    const { rows: tables } = await inspector.query<{ name: string }>(
      `select quote_ident(table_name) as name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE'
          and table_name not in ('mikro_orm_migrations', 'tenant_outbox', 'global_outbox')
        order by table_name`,
    );
    // An order-free sum of row hashes and a count per table: any insert, update or delete moves it.
    const perTable = tables
      .map(
        ({ name }) =>
          `(select count(*) || '/' || coalesce(sum(hashtextextended(t::text, 0)::numeric), 0) from ${name} t)`,
      )
      .join(` || ',' || `);
    // One round trip for every view: the global one and each fixture tenant's (ids are numbers).
    checksumSql = ['', ...[home, other, platform].map((t) => String(t.tenantId))]
      .map((tenantId) => `select set_config('app.current_tenant_id', '${tenantId}', false); select ${perTable} as sum;`)
      .join('\n');
  }
  const results = (await inspector.query(checksumSql)) as unknown as { rows: { sum?: string }[] }[];
  return results.map((result) => result.rows[0]?.sum ?? '').join(':');
}

afterAll(async () => {
  console.info(
    `fuzz: ${tally.refused + tally.succeeded} calls, ${tally.refused} refused, ${tally.succeeded} succeeded, ${tally.checksums} database checksums`,
  );
  await inspector?.end();
});

const STACK = /\n\s+at\s|node_modules|\.ts:\d+|file:\/\//;
const SQL =
  /syntax error at or near|violates (not-null|foreign key|unique|check|row-level)|duplicate key value|relation "|column "|invalid input syntax|SQLSTATE|\binsert into\b|\bselect\b.+\bfrom\b|mikro-?orm/i;

interface Sent {
  label: string;
  status: number;
  text: string;
  /** What was sent, whose own text an answer may quote back (a field message naming a bad key). */
  sentText?: string;
}

/** The answer without any string the request itself carried, so quoting input is not a leak. */
function withoutEchoes(text: string, sentText: string): string {
  const strings = new Set<string>([sentText]);
  const collect = (value: unknown) => {
    if (typeof value === 'string' && value.length >= 3) strings.add(value);
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (key.length >= 3) strings.add(key);
        collect(child);
      }
    }
  };
  try {
    collect(JSON.parse(sentText));
  } catch {
    // Not JSON: the raw text is all there is to quote.
  }
  let stripped = text;
  for (const value of [...strings].sort((a, b) => b.length - a.length)) {
    stripped = stripped.split(value).join('').split(JSON.stringify(value).slice(1, -1)).join('');
  }
  return stripped;
}

/** The checks every answer must pass, whatever was sent. */
function expectClean(sent: Sent): void {
  expect(sent.status, `${sent.label} answered ${sent.status}: ${sent.text.slice(0, 500)}`).toBeLessThan(500);
  expect(STACK.test(sent.text), `${sent.label} leaked a stack trace: ${sent.text.slice(0, 500)}`).toBe(false);
  const own = sent.sentText ? withoutEchoes(sent.text, sent.sentText) : sent.text;
  if (sent.status >= 400) expect(SQL.test(own), `${sent.label} leaked SQL: ${sent.text.slice(0, 500)}`).toBe(false);
}

/**
 * Refusals must leave the database as it was. Checksums are taken around runs of refusals (a
 * success may legitimately change state, so it starts a new run), naming the run's calls on a
 * mismatch; the sum is re-taken every RUN_LENGTH refusals.
 */
const RUN_LENGTH = 40;
let baseline: string | null = null;
let refusedSinceBaseline: string[] = [];

async function afterCall(sent: Sent, mayChangeState: boolean): Promise<void> {
  tally[sent.status < 400 ? 'succeeded' : 'refused']++;
  if (sent.status < 400) {
    if (mayChangeState) {
      await settle();
      baseline = null;
      refusedSinceBaseline = [];
    }
    return;
  }
  refusedSinceBaseline.push(`${sent.label} → ${sent.status}`);
  if (refusedSinceBaseline.length >= RUN_LENGTH) await verifyRun();
}

async function verifyRun(): Promise<void> {
  if (refusedSinceBaseline.length === 0) return;
  const now = await checksum();
  expect(now, `one of these refused calls changed the database:\n${refusedSinceBaseline.join('\n')}`).toBe(baseline);
  refusedSinceBaseline = [];
}

async function beforeCall(): Promise<void> {
  baseline ??= await checksum();
}

/** Lets a success's relayed effects finish (their outbox rows are deleted off the response path). */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 5));
}

async function sessionAlive(token: string): Promise<boolean> {
  const response = await app.request('/trpc/auth.whoami', { headers: { authorization: `Bearer ${token}` } });
  return response.status !== 401;
}

async function send(caller: Caller, method: string, path: string, body?: string, contentType = 'application/json') {
  const token = tokens.get(caller);
  const response = await app.request(path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': contentType },
    ...(body === undefined ? {} : { body }),
  });
  const subscription = response.headers.get('content-type')?.startsWith('text/event-stream');
  // A subscription that was accepted streams until closed: its status and head are the answer.
  const text = subscription ? '' : await response.text();
  if (subscription) await response.body?.cancel();
  // An earlier success may have ended the caller's own session (sign-out, revocation): then the
  // caller gets a new one. Issuing it writes, so the refusal run starts afresh after it.
  if (response.status === 401 && token && caller !== 'forged' && !(await sessionAlive(token))) {
    tokens.set(caller, (await issueToken(caller)) as string);
    baseline = null;
    refusedSinceBaseline = [];
  }
  return { status: response.status, text };
}

const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>).map(
  ([path, procedure]) => {
    const def = procedure._def as unknown as { type: 'query' | 'mutation' | 'subscription'; inputs: z.ZodType[] };
    return { path, type: def.type, inputs: inputsFor(def.inputs) };
  },
);

const byPath = new Map(procedures.map((procedure) => [procedure.path, procedure]));

describe('fuzzing every procedure and REST path as every caller', () => {
  it(`tRPC: ${TRPC_RUNS} generated calls over ${procedures.length} procedures, never a 5xx or internals, refusals change nothing`, async () => {
    expect(procedures.length).toBeGreaterThan(50);
    const called = new Set<string>();
    // Cases name their procedure by path, so a counterexample prints as what was sent.
    const cases = fc.integer({ min: 0, max: procedures.length - 1 }).chain((index) =>
      fc.record({
        path: fc.constant(procedures[index]?.path as string),
        caller: fc.constantFrom(...CALLERS),
        input: procedures[index]?.inputs as fc.Arbitrary<unknown>,
      }),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ path, caller, input }) => {
        const procedure = byPath.get(path) as (typeof procedures)[number];
        await beforeCall();
        called.add(procedure.path);
        const json = input === undefined ? undefined : JSON.stringify(input);
        const label = `${caller} ${procedure.type} ${procedure.path}(${(json ?? '').slice(0, 200)})`;
        const answer =
          procedure.type === 'mutation'
            ? await send(caller, 'POST', `/trpc/${procedure.path}`, json)
            : await send(
                caller,
                'GET',
                `/trpc/${procedure.path}${json === undefined ? '' : `?input=${encodeURIComponent(json)}`}`,
              );
        const sent = { label, ...answer, sentText: json };
        expectClean(sent);
        await afterCall(sent, procedure.type === 'mutation' || caller === 'operator');
      }),
      { numRuns: TRPC_RUNS, endOnFailure: true },
    );
    await verifyRun();
    expect(called.size).toBe(procedures.length);
  }, 240_000);

  it(`REST: ${REST_RUNS} generated requests over every path, with odd ids, bodies and content types`, async () => {
    const routeCases = fc.integer({ min: 0, max: REST_ROUTES.length - 1 }).chain((index) => {
      const route = REST_ROUTES[index] as (typeof REST_ROUTES)[number];
      const procedure = byPath.get(route.procedure);
      return fc.record({
        route: fc.constant(`${route.method} ${route.path}`),
        caller: fc.constantFrom(...CALLERS),
        id: fc.oneof(
          fc.constantFrom(...knownIds.filter((id) => /^[0-9a-f-]{36}$/.test(id))),
          fc.uuid(),
          fc.constantFrom(...HOSTILE_STRINGS),
        ),
        body: fc.oneof(procedure?.inputs ?? hostileValue, hostileValue),
        query: fc.dictionary(
          fc.constantFrom(...(route.query?.names ?? []), 'limit', 'x'),
          fc.constantFrom(...HOSTILE_STRINGS),
          {
            maxKeys: 3,
          },
        ),
        contentType: fc.constantFrom(
          'application/json',
          'application/json',
          'application/json',
          'text/plain',
          'multipart/form-data; boundary=x',
        ),
        rawBody: fc.oneof(fc.constant(null), fc.constantFrom('{', '[]', 'null', '"x"', '{"a":', '\u0000')),
      });
    });
    // The file routes take bytes and path ids of their own.
    const fileCases = fc.record({
      caller: fc.constantFrom(...CALLERS),
      method: fc.constantFrom('GET', 'POST'),
      path: fc.oneof(
        fc.constant('/api/files'),
        fc.constant('/api/restores'),
        fc
          .oneof(fc.uuid(), fc.constantFrom(...HOSTILE_STRINGS))
          .map((id) => `/api/files/${encodeURIComponent(id)}/content`),
        fc
          .oneof(fc.constantFrom(...knownIds), fc.constantFrom(...HOSTILE_STRINGS))
          .map((id) => `/api/branding/${encodeURIComponent(id)}/logo`),
      ),
      contentType: fc.constantFrom(
        'application/octet-stream',
        'image/png',
        'multipart/form-data; boundary=x',
        'text/plain',
      ),
      body: fc.uint8Array({ maxLength: 2_000 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 4, arbitrary: routeCases }, { weight: 1, arbitrary: fileCases }),
        async (c) => {
          await beforeCall();
          let sent: Sent;
          if ('route' in c) {
            const route = REST_ROUTES.find((r) => `${r.method} ${r.path}` === c.route) as (typeof REST_ROUTES)[number];
            const path = route.path.replace('{id}', encodeURIComponent(String(c.id)));
            const query = new URLSearchParams(
              Object.entries(c.query).map(([k, v]): [string, string] => [k, String(v)]),
            ).toString();
            const body = route.hasBody ? (c.rawBody ?? JSON.stringify(c.body ?? null)) : undefined;
            const url = query ? `${path}?${query}` : path;
            sent = {
              label: `${c.caller} ${route.method.toUpperCase()} ${url} ${(body ?? '').slice(0, 200)}`,
              ...(await send(c.caller, route.method.toUpperCase(), url, body, c.contentType)),
              sentText: `${decodeURIComponent(url)} ${body ?? ''}`,
            };
          } else {
            const body = c.method === 'POST' ? c.body : undefined;
            sent = {
              label: `${c.caller} ${c.method} ${c.path} (${c.contentType})`,
              ...(await send(c.caller, c.method, c.path, body, c.contentType)),
              sentText: decodeURIComponent(c.path),
            };
          }
          expectClean(sent);
          // Reads change nothing even when they succeed, except an operator's (audited) ones.
          const read = 'route' in c ? c.route.startsWith('get ') : c.method === 'GET';
          await afterCall(sent, !read || c.caller === 'operator');
        },
      ),
      { numRuns: REST_RUNS, endOnFailure: true },
    );
    await verifyRun();
  }, 120_000);
});
