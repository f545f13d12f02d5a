import fs from 'node:fs';
import { DomainError } from '@digame/core/errors';
import { getTRPCErrorFromUnknown } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError, z } from 'zod';
import type { Caller } from '../request/caller.js';
import { authenticateOrRefuse } from '../request/outage.js';
import type { ApiDeps, RequestContext } from '../trpc/context.js';
import { appRouter } from '../trpc/router.js';
import { createCallerFactory, fieldMessages, inputSummary } from '../trpc/trpc.js';
import { camelCase, fromRest, restFieldPath, toRest } from './casing.js';
import { openApiDocument, servedDocument } from './openapi.js';
import { referencePage } from './reference-page.js';
import { REST_ROUTES, type RestRoute } from './routes.js';

export type RestEnv = { Variables: { requestId: string; ipAddress: string | null } };
type Env = RestEnv;
type Procedure = (input: unknown) => Promise<unknown>;

const createCaller = createCallerFactory(appRouter);
const tenantId = z.uuid();

function errorBody(code: string, message: string, extra: { fields?: unknown; details?: unknown } = {}) {
  return { error: { code, message, ...extra } };
}

/** The same mapping as the tRPC error formatter: the status of the code, field messages, no internals. */
export function errorResponse(c: Context<Env>, thrown: unknown) {
  const error = getTRPCErrorFromUnknown(thrown);
  const status = getHTTPStatusCodeFromError(error) as ContentfulStatusCode;
  const cause = error.cause;
  if (error.code === 'INTERNAL_SERVER_ERROR') return c.json(errorBody(error.code, 'Internal server error'), status);
  if (cause instanceof DomainError && cause.retryAfterSeconds) c.header('Retry-After', String(cause.retryAfterSeconds));
  const procedureFields =
    cause instanceof ZodError ? fieldMessages(cause) : cause instanceof DomainError ? cause.fields : undefined;
  const fields =
    procedureFields &&
    Object.fromEntries(Object.entries(procedureFields).map(([path, message]) => [restFieldPath(path), message]));
  const details = cause instanceof DomainError ? cause.details : undefined;
  const message =
    cause instanceof ZodError
      ? inputSummary(cause).replace(
          /^Invalid input: (\S+)/,
          (_line, path: string) => `Invalid input: ${restFieldPath(path)}`,
        )
      : error.message;
  return c.json(errorBody(error.code, message, { fields, details }), status);
}

export function setRateLimitHeaders(c: Context<Env>, caller: Caller): void {
  const rate = caller.rateLimit;
  if (!rate) return;
  c.header('X-RateLimit-Limit', String(rate.limit));
  c.header('X-RateLimit-Remaining', String(rate.remaining));
  c.header('X-RateLimit-Reset', String(Math.ceil(rate.resetAtMs / 1000)));
  if (rate.limited) c.header('Retry-After', String(Math.max(1, Math.ceil((rate.resetAtMs - Date.now()) / 1000))));
}

async function readBody(c: Context<Env>, route: RestRoute): Promise<{ body: unknown } | { refusal: Response }> {
  if (!route.hasBody) return { body: undefined };
  const contentType = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') {
    return {
      refusal: c.json(errorBody('UNSUPPORTED_MEDIA_TYPE', 'Send a JSON body (Content-Type: application/json)'), 415),
    };
  }
  try {
    return { body: await c.req.json() };
  } catch {
    return { refusal: c.json(errorBody('BAD_REQUEST', 'The request body is not valid JSON'), 400) };
  }
}

/** docs/api.md of the checkout or image the api runs from, served at /api/guide; null when absent. */
function readGuide(): string | null {
  try {
    return fs.readFileSync(new URL('../../../../docs/api.md', import.meta.url), 'utf8');
  } catch {
    return null;
  }
}

function queryInput(c: Context<Env>, route: RestRoute): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const name of route.query?.names ?? []) {
    const value = c.req.query(name);
    if (value === undefined) continue;
    input[camelCase(name)] = route.query?.numbers?.includes(name) && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  return input;
}

/**
 * The REST mirror of the brief's endpoints under /api, plus its OpenAPI document and reference page.
 * Each call is authenticated exactly like /trpc (counted against the hourly limit as one call) and
 * served by the procedure named in its route, through a server-side tRPC caller.
 */
export function createRestApi(deps: ApiDeps): Hono<Env> {
  const api = new Hono<Env>();
  const authenticateDeps = { ...deps, redisPrefix: deps.config.REDIS_PREFIX };
  const document = openApiDocument(appRouter);
  const page = referencePage(document as unknown as Parameters<typeof referencePage>[0]);
  const guide = readGuide();

  api.get('/openapi.json', (c) => c.json(servedDocument(document, new URL(c.req.url).origin)));
  api.get('/docs', (c) => c.html(page));
  api.get('/guide', (c) =>
    guide === null
      ? c.json(errorBody('NOT_FOUND', 'The api guide is not installed with this server'), 404)
      : c.body(guide, 200, { 'content-type': 'text/markdown; charset=utf-8' }),
  );

  for (const route of REST_ROUTES) {
    const honoPath = route.path.replace(/^\/api/, '').replace('{id}', ':id');
    api.on(route.method.toUpperCase(), honoPath, async (c) => {
      const id = c.req.param('id');
      // Like any tenant that is not the caller's: a path id that names no tenant is not found.
      if (id !== undefined && !tenantId.safeParse(id).success) {
        return c.json(errorBody('NOT_FOUND', 'Tenant not found'), 404);
      }
      const body = await readBody(c, route);
      if ('refusal' in body) return body.refusal;
      const caller = await authenticateOrRefuse(authenticateDeps, {
        authorization: c.req.header('authorization') ?? null,
        ipAddress: c.get('ipAddress'),
        calls: 1,
      });
      setRateLimitHeaders(c, caller);
      const responseHeaders = new Headers();
      const ctx: RequestContext = {
        ...deps,
        requestId: c.get('requestId'),
        ipAddress: c.get('ipAddress'),
        userAgent: c.req.header('user-agent') ?? null,
        caller,
        cookieHeader: null,
        responseHeaders,
      };
      const procedure = route.procedure
        .split('.')
        .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], createCaller(ctx)) as Procedure;
      try {
        const result = await procedure(route.input({ id, query: queryInput(c, route), body: fromRest(body.body) }));
        for (const [name, value] of responseHeaders) c.header(name, value, { append: true });
        return c.json(toRest(result) as object, route.successStatus);
      } catch (error) {
        return errorResponse(c, error);
      }
    });
  }
  return api;
}
