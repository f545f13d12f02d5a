import { trpcServer } from '@hono/trpc-server';
import {
  type AnyTRPCProcedure,
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  TRPCError,
  transformTRPCResponse,
} from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';
import type { Context, Env, MiddlewareHandler } from 'hono';
import type { RequestContext } from './context.js';
import { appRouter } from './router.js';

const ENDPOINT = '/trpc/';
const config = appRouter._def._config;
/** Every procedure by its dotted path (tRPC keeps them flat at run time). */
const procedures = appRouter._def.procedures as unknown as Record<string, AnyTRPCProcedure | undefined>;
const JSON_HEADERS = { 'content-type': 'application/json', vary: 'trpc-accept, accept' } as const;

/**
 * The /trpc handler. A single query (GET) or mutation (POST with a JSON body) is answered here:
 * the procedure runs through tRPC's own callProcedure, and its result or error is shaped with
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
    const call = singleCall(c.req.raw);
    if (!call) return adapter(c, next);
    const { path, type } = call;
    const ctx = createContext(c);
    const input = rawInput(c.req.raw, call.query);
    let body: unknown;
    let status = 200;
    try {
      const data: unknown = await callTRPCProcedure({
        router: appRouter,
        path,
        type,
        ctx,
        getRawInput: input.read,
        signal: undefined,
        batchIndex: 0,
      });
      body = { result: { data } };
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      const shape = getTRPCErrorShape({ config, ctx, error, input: input.result(), path, type });
      status = getHTTPStatusCode({ error: shape }, [error]);
      body = { error: shape };
    }
    return new Response(JSON.stringify(transformTRPCResponse(config, body as never)), {
      status,
      headers: JSON_HEADERS,
    });
  };
}

interface SingleCall {
  path: string;
  type: 'query' | 'mutation';
  query: URLSearchParams | null;
}

/** The call, when the request is one this handler answers the way the fetch adapter would. */
function singleCall(req: Request): SingleCall | null {
  const method = req.method;
  if (method !== 'GET' && method !== 'POST') return null;
  const url = req.url;
  const pathStart = url.indexOf('/', url.indexOf('//') + 2);
  const queryStart = url.indexOf('?', pathStart);
  const pathname = queryStart === -1 ? url.slice(pathStart) : url.slice(pathStart, queryStart);
  if (!pathname.startsWith(ENDPOINT) || pathname.includes('%') || pathname.includes('#')) return null;
  const path = pathname.slice(ENDPOINT.length);
  const procedure = procedures[path];
  if (!procedure) return null;
  const type = procedure._def.type;
  if (!(type === 'query' && method === 'GET') && !(type === 'mutation' && method === 'POST')) return null;
  if (method === 'POST' && !isJson(req.headers.get('content-type'))) return null;
  const query = queryStart === -1 ? null : new URLSearchParams(url.slice(queryStart + 1));
  if (query && (query.get('batch') === '1' || query.has('connectionParams'))) return null;
  // Streaming answers (trpc-accept, or application/jsonl accepted) are the adapter's.
  if (req.headers.has('trpc-accept') || (req.headers.get('accept') ?? '').includes('application/jsonl')) return null;
  return { path, type, query };
}

/** Media types are case-insensitive; parameters after ";" do not matter (as in tRPC). */
function isJson(contentType: string | null): boolean {
  return contentType?.toLowerCase().split(';', 1)[0]?.trim() === 'application/json';
}

/**
 * The call's input, read once and only when the procedure asks: `?input=` of a GET, the JSON body
 * of a POST. An unreadable one is BAD_REQUEST with the parser's message, as in tRPC.
 */
function rawInput(req: Request, query: URLSearchParams | null) {
  let value: unknown;
  let read: Promise<unknown> | null = null;
  let done = false;
  const parse = async (): Promise<unknown> => {
    const text = req.method === 'GET' ? query?.get('input') : await req.text();
    const inputs: unknown = text ? JSON.parse(text) : undefined;
    return inputs === undefined ? undefined : config.transformer.input.deserialize(inputs);
  };
  return {
    read: async (): Promise<unknown> => {
      if (done) return value;
      read ??= parse().catch((cause: unknown) => {
        if (cause instanceof TRPCError) throw cause;
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: cause instanceof Error ? cause.message : 'Invalid input',
          cause,
        });
      });
      value = await read;
      done = true;
      read = null;
      return value;
    },
    result: (): unknown => (done ? value : undefined),
  };
}
