import { trpcServer } from '@hono/trpc-server';
import { type AnyTRPCProcedure, getTRPCErrorFromUnknown, getTRPCErrorShape, TRPCError } from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';
import type { Context, Env, MiddlewareHandler } from 'hono';
import type { RequestContext } from './context.js';
import { appRouter } from './router.js';

const ENDPOINT = '/trpc/';
const config = appRouter._def._config;
/** Every procedure by its dotted path (tRPC keeps them flat at run time). */
const procedures = appRouter._def.procedures as unknown as Record<string, AnyTRPCProcedure | undefined>;
export const JSON_HEADERS = { 'content-type': 'application/json', vary: 'trpc-accept, accept' } as const;

/**
 * The /trpc handler. A single query (GET) or mutation (POST with a JSON body) is answered here:
 * the procedure's middlewares run through runProcedure below, and its result or error is shaped with
 * tRPC's getErrorShape, getHTTPStatusCode and transformTRPCResponse, so the answer is the one tRPC's
 * fetch adapter gives. What that adapter does besides — parse the URL, build a Headers object, two
 * AbortControllers and AbortSignal.any per call, and read Hono's request as a full Fetch Request —
 * was most of the time of a cheap call, and none of it is needed here: a query or mutation never
 * reads its abort signal. Everything else (batches, subscriptions, streaming, escaped or unknown
 * paths, a method the procedure does not take) goes to the fetch adapter unchanged.
 */
export function trpcHandler<E extends Env>(createContext: (c: Context<E>) => RequestContext): MiddlewareHandler<E> {
  const adapter = trpcServer({
    endpoint: '/trpc',
    router: appRouter,
    createContext: (_opts, c): RequestContext & Record<string, unknown> => ({ ...createContext(c as Context<E>) }),
  }) as MiddlewareHandler<E>;

  return async (c, next) => {
    const req = c.req.raw;
    const call = singleCallOf(req.method, pathAndQuery(req.url), (name) => req.headers.get(name) ?? undefined);
    if (!call) return adapter(c, next);
    const answer = await answerSingleCall(call, createContext(c), () => req.text());
    return new Response(answer.body, { status: answer.status, headers: JSON_HEADERS });
  };
}

export interface SingleCall {
  path: string;
  type: 'query' | 'mutation';
  procedure: AnyTRPCProcedure;
  query: URLSearchParams | null;
}

/** `/trpc/a?x` of an absolute URL (a Fetch Request's). */
function pathAndQuery(url: string): string {
  return url.slice(url.indexOf('/', url.indexOf('//') + 2));
}

/**
 * The call, when the request is one answered here the way the fetch adapter would: a GET of a
 * query or a JSON POST of a mutation, to one known procedure, without batching or streaming.
 * `url` is the request target in origin form (`/trpc/…?…`); anything else is not one.
 */
export function singleCallOf(
  method: string | undefined,
  url: string | undefined,
  header: (name: string) => string | undefined,
): SingleCall | null {
  if (method !== 'GET' && method !== 'POST') return null;
  if (!url?.startsWith(ENDPOINT)) return null;
  const queryStart = url.indexOf('?');
  const pathname = queryStart === -1 ? url : url.slice(0, queryStart);
  if (pathname.includes('%') || pathname.includes('#')) return null;
  const path = pathname.slice(ENDPOINT.length);
  const procedure = procedures[path];
  if (!procedure) return null;
  const type = procedure._def.type;
  if (!(type === 'query' && method === 'GET') && !(type === 'mutation' && method === 'POST')) return null;
  if (method === 'POST' && !isJson(header('content-type'))) return null;
  const query = queryStart === -1 ? null : new URLSearchParams(url.slice(queryStart + 1));
  if (query && (query.get('batch') === '1' || query.has('connectionParams'))) return null;
  // Streaming answers (trpc-accept, or application/jsonl accepted) are the adapter's.
  if (header('trpc-accept') !== undefined || (header('accept') ?? '').includes('application/jsonl')) return null;
  return { path, type, procedure, query };
}

/** The answer to a single call: the procedure's result or its error, as tRPC's fetch adapter shapes it. */
export async function answerSingleCall(
  call: SingleCall,
  ctx: RequestContext,
  readBody: () => Promise<string> | string,
): Promise<{ status: number; body: string }> {
  const { path, type, procedure } = call;
  const input = new RawInput(call, readBody);
  try {
    const data: unknown = await runProcedure(procedure, { path, type, ctx, getRawInput: input.read });
    // What transformTRPCResponse makes of a result, without its copies of the envelope.
    return { status: 200, body: JSON.stringify({ result: { data: serialize(data) } }) };
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    const shape = getTRPCErrorShape({ config, ctx, error, input: input.result(), path, type });
    const status = getHTTPStatusCode({ error: shape }, [error]);
    return { status, body: JSON.stringify({ error: serialize(shape) }) };
  }
}

const serialize = (value: unknown): unknown => config.transformer.output.serialize(value);

/** Media types are case-insensitive; parameters after ";" do not matter (as in tRPC). */
function isJson(contentType: string | undefined): boolean {
  return contentType?.toLowerCase().split(';', 1)[0]?.trim() === 'application/json';
}

/**
 * The call's input, read once and only when the procedure asks: `?input=` of a GET, the JSON body
 * of a POST. An unreadable one is BAD_REQUEST with the parser's message, as in tRPC. A class, and
 * `read` bound once: closures made per call are what a cheap call allocates most.
 */
class RawInput {
  private value: unknown;
  private pending: Promise<unknown> | null = null;
  private done = false;
  readonly read: () => Promise<unknown>;

  constructor(
    private readonly call: SingleCall,
    private readonly readBody: () => Promise<string> | string,
  ) {
    this.read = this.readOnce.bind(this);
  }

  result(): unknown {
    return this.done ? this.value : undefined;
  }

  private async readOnce(): Promise<unknown> {
    if (this.done) return this.value;
    this.pending ??= this.parse().catch(badInput);
    this.value = await this.pending;
    this.done = true;
    this.pending = null;
    return this.value;
  }

  private async parse(): Promise<unknown> {
    const text = this.call.type === 'query' ? this.call.query?.get('input') : await this.readBody();
    const inputs: unknown = text ? JSON.parse(text) : undefined;
    return inputs === undefined ? undefined : config.transformer.input.deserialize(inputs);
  }
}

function badInput(cause: unknown): never {
  if (cause instanceof TRPCError) throw cause;
  throw new TRPCError({
    code: 'BAD_REQUEST',
    message: cause instanceof Error ? cause.message : 'Invalid input',
    cause,
  });
}

// ── the procedure's middlewares ─────────────────────────────────────────────────────────────────

interface MiddlewareResult {
  ok: boolean;
  data?: unknown;
  error?: unknown;
}
interface NextOptions {
  ctx?: Record<string, unknown>;
  input?: unknown;
  getRawInput?: () => Promise<unknown>;
}
interface CallOptions {
  path: string;
  type: 'query' | 'mutation';
  ctx: object;
  input?: unknown;
  getRawInput: () => Promise<unknown>;
}
type Middleware = (
  opts: CallOptions & {
    meta: unknown;
    signal: undefined;
    batchIndex: 0;
    next(next?: NextOptions): Promise<MiddlewareResult>;
  },
) => Promise<MiddlewareResult>;

/**
 * A procedure call as tRPC's own procedure caller makes it (callRecursive in @trpc/server 11: each
 * middleware gets the call's options and `next`, which merges the context and input it is given,
 * and a throw becomes a failed result), with the language's object spread where tRPC's build uses
 * a transpiled spread helper that defines each property one by one. That helper copied the
 * request context (every api dependency) and the options again for each middleware of each call:
 * the largest single cost of a cheap call in the profiles. The middlewares, in their order, are
 * the procedure's own (error formatter, ours, input and output validation, the resolver).
 */
async function runProcedure(procedure: AnyTRPCProcedure, call: CallOptions): Promise<unknown> {
  const result = await new ProcedureRun(procedure).step(0, call);
  if (!result) {
    throw new TRPCError({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'No result from middlewares - did you forget to `return next()`?',
    });
  }
  if (!result.ok) throw result.error;
  return result.data;
}

/** One call's walk down the middlewares; `next` is bound per step rather than made as a closure. */
class ProcedureRun {
  private readonly middlewares: Middleware[];
  private readonly meta: unknown;

  constructor(procedure: AnyTRPCProcedure) {
    const def = procedure._def as unknown as { middlewares: Middleware[]; meta: unknown };
    this.middlewares = def.middlewares;
    this.meta = def.meta;
  }

  async step(index: number, opts: CallOptions): Promise<MiddlewareResult> {
    try {
      const middleware = this.middlewares[index] as Middleware;
      return await middleware({
        ...opts,
        meta: this.meta,
        signal: undefined,
        batchIndex: 0,
        next: this.next.bind(this, index, opts),
      });
    } catch (cause) {
      return { ok: false, error: getTRPCErrorFromUnknown(cause) };
    }
  }

  private next(index: number, opts: CallOptions, next?: NextOptions): Promise<MiddlewareResult> {
    return this.step(index + 1, {
      ...opts,
      ctx: next?.ctx ? { ...opts.ctx, ...next.ctx } : opts.ctx,
      input: next && 'input' in next ? next.input : opts.input,
      getRawInput: next?.getRawInput ?? opts.getRawInput,
    });
  }
}
