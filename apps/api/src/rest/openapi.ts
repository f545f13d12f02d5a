import { DOMAIN_ERROR_CODES, type DomainErrorCode } from '@digame/core/errors';
import type { AnyRouter } from '@trpc/server';
import { z } from 'zod';
import { ERROR_REASONS, reasonsOf } from '../trpc/error-reasons.js';
import { camelCase, restSchema } from './casing.js';
import { procedureSchemas } from './procedure-schemas.js';
import { REST_ROUTES, type RestRoute } from './routes.js';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

/**
 * JSON Schema 2020-12 (what OpenAPI 3.1 uses) of a zod schema, without the `$schema` marker, with
 * the REST mirror's snake_case property names.
 */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return restSchema(rest) as JsonSchema;
}

/** The object schema inside an optional input (`{ anyOf: [object, …] }` or the object itself). */
function objectSchema(schema: JsonSchema): JsonSchema {
  if (schema.properties) return schema;
  const variants = (schema.anyOf ?? []) as JsonSchema[];
  return variants.find((variant) => variant.properties) ?? { type: 'object', properties: {} };
}

function without(schema: JsonSchema, names: readonly string[]): JsonSchema {
  const properties = Object.fromEntries(
    Object.entries(schema.properties ?? {}).filter(([name]) => !names.includes(name)),
  );
  const required = (schema.required ?? []).filter((name) => !names.includes(name));
  const { required: _all, ...rest } = schema;
  return { ...rest, properties, ...(required.length > 0 ? { required } : {}) };
}

/** The statuses a REST call may answer with besides its success, and the error code of each. */
const ERRORS = {
  '400': { code: 'BAD_REQUEST', name: 'BadRequest', description: 'Invalid input; `fields` names each problem' },
  '401': { code: 'UNAUTHORIZED', name: 'Unauthorized', description: 'Missing, invalid or expired credential' },
  '403': {
    code: 'FORBIDDEN',
    name: 'Forbidden',
    description:
      'Refused: a missing permission, a feature outside the subscription, a suspended tenant or an address off the allowlist',
  },
  '404': {
    code: 'NOT_FOUND',
    name: 'NotFound',
    description: 'No such tenant (any tenant but your own, unless you are a platform operator)',
  },
  '409': {
    code: 'CONFLICT',
    name: 'Conflict',
    description: 'Conflicts with the current state, e.g. an existing member',
  },
  '412': {
    code: 'PRECONDITION_FAILED',
    name: 'PreconditionFailed',
    description: 'Not possible in the current state, e.g. every seat is taken',
  },
  '413': { code: 'PAYLOAD_TOO_LARGE', name: 'PayloadTooLarge', description: 'The body is over 1 MiB' },
  '415': { code: 'UNSUPPORTED_MEDIA_TYPE', name: 'UnsupportedMediaType', description: 'The body is not JSON' },
  '429': {
    code: 'TOO_MANY_REQUESTS',
    name: 'TooManyRequests',
    description: 'The hourly API-call limit, or a sign-up limit, is reached: retry after `Retry-After` seconds',
  },
  '503': {
    code: 'SERVICE_UNAVAILABLE',
    name: 'ServiceUnavailable',
    description: 'PostgreSQL or Redis cannot be reached; nothing was done: retry after `Retry-After` seconds',
  },
} as const satisfies Record<string, { code: string; name: string; description: string }>;
type ErrorStatus = keyof typeof ERRORS;

const header = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** Headers of a response: the request id always; the rate-limit state once the caller was counted. */
function responseHeaders(status: string): Record<string, unknown> {
  const headers: Record<string, unknown> = { 'X-Request-Id': header('X-Request-Id') };
  // Refused before authentication (body checks, bad credentials) means not counted: no rate-limit state.
  if (!['401', '413', '415', '503'].includes(status)) {
    Object.assign(headers, {
      'X-RateLimit-Limit': header('X-RateLimit-Limit'),
      'X-RateLimit-Remaining': header('X-RateLimit-Remaining'),
      'X-RateLimit-Reset': header('X-RateLimit-Reset'),
    });
  }
  if (status === '429' || status === '503') headers['Retry-After'] = header('Retry-After');
  return headers;
}

function errorSchema(status: ErrorStatus): JsonSchema {
  const { code } = ERRORS[status];
  const reasons = code in DOMAIN_CODES ? reasonsOf(code as DomainErrorCode) : [];
  const properties: Record<string, JsonSchema> = {
    code: { type: 'string', enum: [code], description: 'The tRPC error code of the status' },
    message: { type: 'string', description: 'A sentence for people; match on `code` and `details.reason`' },
  };
  if (status === '400') {
    properties.fields = {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'A message per invalid input, keyed by its path (`settings.timezone`)',
    };
  }
  if (reasons.length > 0) {
    properties.details = {
      type: 'object',
      required: ['reason'],
      properties: { reason: { type: 'string', enum: reasons } },
      additionalProperties: true,
      description: `Machine-readable facts; the reason decides the others. ${reasons
        .map((reason) => `\`${reason}\`: ${ERROR_REASONS[reason].summary}`)
        .join(' ')}`,
    };
  }
  return {
    type: 'object',
    required: ['error'],
    properties: { error: { type: 'object', required: ['code', 'message'], properties } },
  };
}

const DOMAIN_CODES = Object.fromEntries(DOMAIN_ERROR_CODES.map((code) => [code, true]));

/** tenants.create → tenantsCreate: operation ids are plain identifiers for generated clients. */
const operationId = (procedure: string) =>
  procedure.replace(/\.([a-z])/g, (_dot, letter: string) => letter.toUpperCase());

function operation(router: AnyRouter, route: RestRoute) {
  const { input, output } = procedureSchemas(router, route.procedure);
  const inputSchema = input ? objectSchema(jsonSchema(input, 'input')) : { type: 'object', properties: {} };
  const parameters: Record<string, unknown>[] = [];
  if (route.path.includes('{id}')) {
    parameters.push({
      name: 'id',
      in: 'path',
      required: true,
      description: 'Public id (uuid) of the tenant',
      schema: { type: 'string', format: 'uuid' },
    });
  }
  for (const name of route.query?.names ?? []) {
    const schema = inputSchema.properties?.[name] ?? inputSchema.properties?.[camelCase(name)];
    if (!schema) throw new Error(`${route.procedure} has no input ${name}`);
    parameters.push({ name, in: 'query', required: false, schema });
  }
  const responses: Record<string, unknown> = {
    [String(route.successStatus)]: {
      description: route.successStatus === 201 ? 'Created' : 'OK',
      headers: responseHeaders(String(route.successStatus)),
      content: { 'application/json': { schema: jsonSchema(output, 'output') } },
    },
  };
  for (const status of Object.keys(ERRORS) as ErrorStatus[]) {
    if (status === '401' && route.anonymous) continue;
    if ((status === '413' || status === '415') && !route.hasBody) continue;
    responses[status] = { $ref: `#/components/responses/${ERRORS[status].name}` };
  }
  return {
    operationId: operationId(route.procedure),
    'x-trpc-procedure': route.procedure,
    summary: route.summary,
    description: `${route.description}\n\nServed by the tRPC procedure \`${route.procedure}\`.`,
    tags: [route.tag],
    security: route.anonymous ? [{}, { bearerAuth: [] }] : [{ bearerAuth: [] }],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.hasBody
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: without(inputSchema, ['tenant_id']) } },
          },
        }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of the REST mirror, generated from the procedures' zod schemas. */
export function openApiDocument(router: AnyRouter) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of REST_ROUTES) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method] = operation(router, route);
  }
  const responses = Object.fromEntries(
    (Object.keys(ERRORS) as ErrorStatus[]).map((status) => [
      ERRORS[status].name,
      {
        description: ERRORS[status].description,
        headers: responseHeaders(status),
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${ERRORS[status].name}Error` } } },
      },
    ]),
  );
  const schemas = Object.fromEntries(
    (Object.keys(ERRORS) as ErrorStatus[]).map((status) => [`${ERRORS[status].name}Error`, errorSchema(status)]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Digame Tenancy REST API',
      version: '1.0.0',
      description:
        'The tenant administration endpoints of the product brief. Each is served by the same procedure as the ' +
        'typed tRPC api at /trpc, with the same authentication (a session access token or an API key as a Bearer ' +
        'token), permissions, rate limit and errors. Bodies and query parameters use the brief’s snake_case. ' +
        'The guide (docs/api.md in the repository) covers metering, errors and events.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [
      { name: 'Tenants', description: 'Organizations: creation, profile, settings and branding' },
      { name: 'Users', description: 'Members and invitations' },
      { name: 'Usage', description: 'Seats, storage and API calls against the tier’s limits' },
    ],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'A session access token (JWT) or an API key (dgk_…)',
        },
      },
      headers: {
        'X-Request-Id': {
          description: 'The request’s id: yours when you send a valid `X-Request-Id`, else a new uuid; logged with it',
          schema: { type: 'string' },
        },
        'X-RateLimit-Limit': {
          description: 'API calls per hour the organization’s tier allows',
          schema: { type: 'integer' },
        },
        'X-RateLimit-Remaining': {
          description: 'API calls left in the current hour, after this one',
          schema: { type: 'integer' },
        },
        'X-RateLimit-Reset': {
          description: 'When the hourly window ends, in Unix seconds',
          schema: { type: 'integer' },
        },
        'Retry-After': {
          description: 'Seconds to wait before trying again',
          schema: { type: 'integer', minimum: 1 },
        },
      },
      responses,
      schemas,
    },
  };
}

type OpenApiDocument = ReturnType<typeof openApiDocument>;

/**
 * The document as served from `origin`: that is the server its calls go to, and its reference page
 * the contact. (Per request, because only the request tells under which address the api is reached.)
 */
export function servedDocument(document: OpenApiDocument, origin: string) {
  return {
    ...document,
    info: { ...document.info, contact: { name: 'API reference', url: `${origin}/api/docs` } },
    servers: [{ url: origin, description: 'This server' }],
  };
}
