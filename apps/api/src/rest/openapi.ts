import type { AnyRouter } from '@trpc/server';
import { z } from 'zod';
import { procedureSchemas } from './procedure-schemas.js';
import { REST_ROUTES, type RestRoute } from './routes.js';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

/** JSON Schema 2020-12 (what OpenAPI 3.1 uses) of a zod schema, without the `$schema` marker. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
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

const errorBody: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'tRPC error code, e.g. BAD_REQUEST, FORBIDDEN, NOT_FOUND' },
        message: { type: 'string' },
        fields: {
          type: 'object',
          additionalProperties: { type: 'string' },
          description: 'Field-level messages for BAD_REQUEST, keyed by input path',
        },
        details: {
          type: 'object',
          description:
            'Machine-readable facts, e.g. the tier that unlocks a feature ({ reason, feature, requiredTier })',
        },
      },
    },
  },
};

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'Invalid input; `fields` names each problem',
  '401': 'Missing, invalid or expired credential',
  '403': 'Missing permission, feature not in the subscription, suspended tenant or address not allowed',
  '404': 'No such tenant (any tenant but your own, unless you are a platform operator)',
  '409': 'Conflict, e.g. an existing member or a taken domain',
  '412': 'Precondition failed, e.g. the seat limit is reached',
  '429': 'Hourly rate limit reached (see Retry-After)',
};

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
    const schema = inputSchema.properties?.[name];
    if (!schema) throw new Error(`${route.procedure} has no input ${name}`);
    parameters.push({ name, in: 'query', required: false, schema });
  }
  const responses: Record<string, unknown> = {
    [String(route.successStatus)]: {
      description: route.successStatus === 201 ? 'Created' : 'OK',
      content: { 'application/json': { schema: jsonSchema(output, 'output') } },
    },
  };
  for (const [status, description] of Object.entries(ERROR_RESPONSES)) {
    if (status === '401' && route.anonymous) continue;
    responses[status] = {
      description,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return {
    operationId: route.procedure,
    summary: route.summary,
    description: `${route.description}\n\nServed by the tRPC procedure \`${route.procedure}\`.`,
    tags: [route.tag],
    security: route.anonymous ? [{}, { bearerAuth: [] }] : [{ bearerAuth: [] }],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.hasBody
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: without(inputSchema, ['tenantId']) } },
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
  return {
    openapi: '3.1.0',
    info: {
      title: 'Digame Tenancy REST API',
      version: '1.0.0',
      description:
        'The tenant administration endpoints of the product brief. Each is served by the same procedure as the ' +
        'typed tRPC api at /trpc, with the same authentication (a session access token or an API key as a Bearer ' +
        'token), permissions, rate limit and errors.',
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
      schemas: { Error: errorBody },
    },
  };
}
