import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { setTenantColumns, tenantUuid } from '../testing/admin.js';
import { useTestApi } from '../testing/test-api.js';
import { toRest } from './casing.js';

const api = useTestApi();
const run = promisify(execFile);
const apiDir = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name: string) => path.join(apiDir, 'node_modules/.bin', name);
let acme: TenantFixture;
let globex: TenantFixture;
let acmeId: string;
let globexId: string;
let adminToken: string;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme', 'professional');
  globex = await createTenantWithMembers(api.database.db, 'Globex', 'basic');
  acmeId = await tenantUuid(api.database.db, acme.tenantId);
  globexId = await tenantUuid(api.database.db, globex.tenantId);
  adminToken = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.admin, role: 'admin' });
});

async function rest(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; contentType?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers,
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
  const body: any = response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
  return { status: response.status, headers: response.headers, body };
}

/** Property names with a capital letter, outside the settings and branding maps (whose keys are data). */
function camelCaseNames(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) camelCaseNames(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (['settings', 'branding'].includes(key)) continue;
      if (/[A-Z]/.test(key)) found.push(key);
      camelCaseNames(inner, found);
    }
  }
  return found;
}

/** The same for the property names a JSON Schema declares (its own keywords are camelCase). */
function camelCaseSchemaNames(schema: unknown, found: string[] = []): string[] {
  if (Array.isArray(schema)) for (const item of schema) camelCaseSchemaNames(item, found);
  else if (schema && typeof schema === 'object') {
    for (const [key, inner] of Object.entries(schema)) {
      if (key === 'properties') {
        for (const [name, property] of Object.entries(inner as Record<string, unknown>)) {
          if (/[A-Z]/.test(name)) found.push(name);
          if (!['settings', 'branding'].includes(name)) camelCaseSchemaNames(property, found);
        }
      } else camelCaseSchemaNames(inner, found);
    }
  }
  return found;
}

const BRIEF_ENDPOINTS = [
  ['post', '/api/tenants'],
  ['get', '/api/tenants/{id}'],
  ['put', '/api/tenants/{id}'],
  ['post', '/api/tenants/{id}/invitations'],
  ['get', '/api/tenants/{id}/users'],
  ['get', '/api/tenants/{id}/usage'],
] as const;

describe('OpenAPI document and reference page', () => {
  it('is a valid OpenAPI 3.1 document listing the brief’s six endpoints', async () => {
    const { status, body } = await rest('GET', '/api/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    const listed = Object.entries(body.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => [method, path]),
    );
    expect(listed.sort()).toEqual([...BRIEF_ENDPOINTS].map(([method, path]) => [method, path]).sort());
    await expect(SwaggerParser.validate(structuredClone(body))).resolves.toBeTruthy();
    const users = body.paths['/api/tenants/{id}/users'].get;
    expect(users.parameters.map((p: { name: string }) => p.name)).toEqual([
      'id',
      'role',
      'active',
      'search',
      'cursor',
      'limit',
    ]);
    const usage = body.paths['/api/tenants/{id}/usage'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(usage.properties)).toEqual(expect.arrayContaining(['users', 'storage', 'api_calls']));
    const update = body.paths['/api/tenants/{id}'].put.requestBody.content['application/json'].schema;
    expect(Object.keys(update.properties)).not.toContain('tenant_id');
    const created = body.paths['/api/tenants'].post;
    expect(created.requestBody.content['application/json'].schema.required.sort()).toEqual([
      'admin_email',
      'admin_name',
      'name',
    ]);
    expect(camelCaseSchemaNames(body.paths)).toEqual([]);
    expect(update.properties.settings.properties.timezone).toBeDefined();
  });

  it('passes Redocly’s recommended rules with no error and no warning', async () => {
    const { body } = await rest('GET', '/api/openapi.json');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'digame-openapi-'));
    try {
      fs.writeFileSync(path.join(dir, 'openapi.json'), JSON.stringify(body));
      const lint = await run(bin('redocly'), ['lint', 'openapi.json', '--extends', 'recommended', '--format', 'json'], {
        cwd: dir,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
      const report = JSON.parse(lint.stdout.slice(lint.stdout.indexOf('{')));
      expect(report.problems).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('declares servers, license, contact, plain operation ids, headers and every error body with its reasons', async () => {
    const { body } = await rest('GET', '/api/openapi.json');
    expect(body.servers).toEqual([{ url: api.url, description: 'This server' }]);
    expect(body.info.license).toEqual({ name: 'MIT', identifier: 'MIT' });
    expect(body.info.contact.url).toBe(`${api.url}/api/docs`);
    // biome-ignore lint/suspicious/noExplicitAny: operations are asserted field by field
    const operations = Object.values(body.paths as Record<string, Record<string, any>>).flatMap((methods) =>
      Object.values(methods),
    );
    expect(operations.map((op) => op.operationId).sort()).toEqual([
      'invitationsCreate',
      'membersList',
      'tenantsCreate',
      'tenantsGet',
      'tenantsUpdate',
      'usageGet',
    ]);
    const update = body.paths['/api/tenants/{id}'].put;
    expect(Object.keys(update.responses).sort()).toEqual(
      ['200', '400', '401', '403', '404', '409', '412', '413', '415', '429', '503'].sort(),
    );
    expect(Object.keys(update.responses['200'].headers).sort()).toEqual(
      ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'X-Request-Id'].sort(),
    );
    const tooMany = body.components.responses.TooManyRequests;
    expect(Object.keys(tooMany.headers)).toContain('Retry-After');
    const reasons = (name: string) =>
      body.components.schemas[`${name}Error`].properties.error.properties.details?.properties.reason.enum ?? [];
    expect(reasons('Forbidden')).toEqual(expect.arrayContaining(['missing_permission', 'feature_not_available']));
    expect(reasons('TooManyRequests')).toEqual(expect.arrayContaining(['rate_limited', 'signup_rate_limited']));
    expect(reasons('Conflict')).toEqual(expect.arrayContaining(['already_member', 'already_invited']));
    expect(reasons('ServiceUnavailable')).toEqual(['dependency_unavailable']);
    for (const name of ['Unauthorized', 'NotFound', 'PayloadTooLarge', 'UnsupportedMediaType']) {
      expect(body.components.responses[name].content['application/json'].schema.$ref).toBe(
        `#/components/schemas/${name}Error`,
      );
    }
    // GET routes take no body, so they cannot be refused for one.
    expect(Object.keys(body.paths['/api/tenants/{id}/usage'].get.responses)).not.toContain('415');
  });

  it('generates an openapi-typescript client that type-checks against the real responses', async () => {
    const { body } = await rest('GET', '/api/openapi.json');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'digame-openapi-ts-'));
    try {
      fs.writeFileSync(path.join(dir, 'openapi.json'), JSON.stringify(body));
      await run(bin('openapi-typescript'), ['openapi.json', '-o', 'schema.d.ts'], { cwd: dir });
      fs.writeFileSync(
        path.join(dir, 'client.ts'),
        [
          "import createClient from 'openapi-fetch';",
          "import type { paths } from './schema.js';",
          'const client = createClient<paths>({ baseUrl: "http://127.0.0.1" });',
          'export async function usage(id: string): Promise<number> {',
          "  const { data, error } = await client.GET('/api/tenants/{id}/usage', { params: { path: { id } } });",
          // The error bodies are a union on `code`; a 403's reasons are an enum.
          "  if (error?.error.code === 'FORBIDDEN') throw new Error(error.error.details?.reason);",
          '  if (error) throw new Error(error.error.message);',
          '  return data.api_calls.this_hour;',
          '}',
          'export async function signUp(): Promise<string> {',
          "  const { data, error } = await client.POST('/api/tenants', {",
          "    body: { name: 'Typed', admin_email: 'typed@example.com', admin_name: 'Typed Admin' },",
          '  });',
          '  if (error) throw new Error(error.error.code);',
          '  return data.tenant.slug;',
          '}',
        ].join('\n'),
      );
      fs.writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            exactOptionalPropertyTypes: true,
            noEmit: true,
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            target: 'ES2022',
            lib: ['ES2022', 'DOM'],
            types: [],
            paths: { 'openapi-fetch': [path.join(apiDir, 'node_modules/openapi-fetch')] },
          },
          files: ['client.ts'],
        }),
      );
      await run(bin('tsc'), ['-p', '.'], { cwd: dir }).catch((error: { stdout?: string }) => {
        throw new Error(`the generated client does not type-check:\n${error.stdout}`);
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has a self-contained reference page', async () => {
    const { status, headers, body } = await rest('GET', '/api/docs');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/text\/html/);
    for (const [, path] of BRIEF_ENDPOINTS) expect(body).toContain(path);
    expect(body).not.toMatch(/<script|<link|src="http/);
    expect(body).toContain('href="/api/guide"');
    const guide = await rest('GET', '/api/guide');
    expect(guide.status).toBe(200);
    expect(guide.headers.get('content-type')).toMatch(/text\/markdown/);
    expect(guide.body).toContain('# The Digame Tenancy API');
  });
});

describe('REST endpoints', () => {
  it('POST /api/tenants creates a tenant from the brief’s body without a token (the domain comes later)', async () => {
    const brief = {
      name: 'Rest Corporation',
      admin_email: 'admin@rest.example',
      admin_name: 'Rest Admin',
      subscription_tier: 'professional',
    };
    const claimed = await rest('POST', '/api/tenants', { body: { ...brief, domain: 'rest.digame.example' } });
    expect(claimed.status).toBe(400);
    expect(Object.keys(claimed.body.error.fields)).toEqual(['domain']);
    const { status, body } = await rest('POST', '/api/tenants', { body: brief });
    expect(status).toBe(201);
    expect(Object.keys(body)).toEqual(['tenant']);
    expect(body.tenant).toMatchObject({
      name: 'Rest Corporation',
      subscription_tier: 'professional',
      is_trial: true,
      admin_email: 'admin@rest.example',
    });
    expect(body.tenant.slug).toMatch(/^rest-corporation-[a-z2-9]{6}$/);
    expect(camelCaseNames(body)).toEqual([]);
    const invalid = await rest('POST', '/api/tenants', { body: { name: 'X', admin_email: 'nope' } });
    expect(invalid.status).toBe(400);
    expect(Object.keys(invalid.body.error.fields).sort()).toEqual(['admin_email', 'admin_name', 'name']);
    expect(invalid.body.error.message).toMatch(/^Invalid input: (admin_email|admin_name|name) /);
  });

  it('GET /api/tenants/{id} answers like tenants.get, and 404 for any other tenant', async () => {
    const own = await rest('GET', `/api/tenants/${acmeId}`, { token: adminToken });
    expect(own.status).toBe(200);
    // The procedure's answer, in the brief's snake_case.
    const viaTrpc = await api.client(adminToken).tenants.get.query();
    expect(own.body).toEqual(toRest(viaTrpc));
    expect(own.body).toMatchObject({ subscription_tier: viaTrpc.subscriptionTier, limits: { max_users: 50 } });
    expect(camelCaseNames(own.body)).toEqual([]);
    const other = await rest('GET', `/api/tenants/${globexId}`, { token: adminToken });
    const unknown = await rest('GET', `/api/tenants/${randomUUID()}`, { token: adminToken });
    const malformed = await rest('GET', '/api/tenants/42', { token: adminToken });
    expect([other.status, unknown.status, malformed.status]).toEqual([404, 404, 404]);
    expect(other.body).toEqual(unknown.body);
    expect(other.body).toEqual({ error: { code: 'NOT_FOUND', message: 'Tenant not found' } });
    expect(JSON.stringify(other.body)).not.toContain('Globex');
    const anonymous = await rest('GET', `/api/tenants/${acmeId}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('UNAUTHORIZED');
  });

  it('lets a platform operator address any tenant', async () => {
    const platform = await createTenantWithMembers(api.database.db, 'Platform', 'enterprise');
    const token = await api.sessionToken({
      tenantId: platform.tenantId,
      userId: platform.users.admin,
      role: 'admin',
      platformOperator: true,
    });
    const { status, body } = await rest('GET', `/api/tenants/${globexId}`, { token });
    expect(status).toBe(200);
    expect(body.name).toBe('Globex');
  });

  it('PUT /api/tenants/{id} takes the brief’s body, with field errors and permission refusals', async () => {
    const { status, body } = await rest('PUT', `/api/tenants/${acmeId}`, {
      token: adminToken,
      body: {
        settings: { timezone: 'America/New_York', date_format: 'MM/DD/YYYY', currency: 'USD' },
        branding: { primary_color: '#007bff', logo_url: 'https://cdn.acme.com/logo.png' },
      },
    });
    expect(status).toBe(200);
    expect(body.settings).toEqual({ timezone: 'America/New_York', date_format: 'MM/DD/YYYY', currency: 'USD' });
    expect(body.branding.primary_color).toBe('#007bff');

    const invalid = await rest('PUT', `/api/tenants/${acmeId}`, {
      token: adminToken,
      body: { settings: { timezone: 'Nowhere' } },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatchObject({
      code: 'BAD_REQUEST',
      fields: { 'settings.timezone': expect.stringMatching(/IANA/) },
    });

    const viewer = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.viewer, role: 'viewer' });
    const refused = await rest('PUT', `/api/tenants/${acmeId}`, { token: viewer, body: { name: 'Nope' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'FORBIDDEN', message: 'Missing permission: tenant.update' });

    const basicAdmin = await api.sessionToken({ tenantId: globex.tenantId, userId: globex.users.admin, role: 'admin' });
    const gated = await rest('PUT', `/api/tenants/${globexId}`, {
      token: basicAdmin,
      body: { branding: { primary_color: '#000000' } },
    });
    expect(gated.status).toBe(403);
    expect(gated.body.error.details).toMatchObject({ feature: 'custom_branding', requiredTier: 'professional' });

    const crossTenant = await rest('PUT', `/api/tenants/${globexId}`, {
      token: adminToken,
      body: { name: 'Taken over' },
    });
    expect(crossTenant.status).toBe(404);
    expect((await api.client(basicAdmin).tenants.get.query()).name).toBe('Globex');

    const form = await rest('PUT', `/api/tenants/${acmeId}`, {
      token: adminToken,
      body: 'name=x',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    const broken = await rest('PUT', `/api/tenants/${acmeId}`, { token: adminToken, body: '{' });
    expect(broken.status).toBe(400);
  });

  it('POST /api/tenants/{id}/invitations invites, and refuses duplicates and a full plan', async () => {
    const created = await rest('POST', `/api/tenants/${acmeId}/invitations`, {
      token: adminToken,
      body: { email: 'user@example.com', role: 'member' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'user@example.com', role: 'member', status: 'pending' });
    const again = await rest('POST', `/api/tenants/${acmeId}/invitations`, {
      token: adminToken,
      body: { email: 'user@example.com' },
    });
    expect(again.status).toBe(409);

    const small = await createTenantWithMembers(api.database.db, 'Small', 'basic');
    await setTenantColumns(api, small.tenantId, { maxUsers: 4 });
    const token = await api.sessionToken({ tenantId: small.tenantId, userId: small.users.admin, role: 'admin' });
    const full = await rest('POST', `/api/tenants/${await tenantUuid(api.database.db, small.tenantId)}/invitations`, {
      token,
      body: { email: 'one-too-many@example.com' },
    });
    expect(full.status).toBe(412);
    expect(full.body.error.details).toMatchObject({ reason: 'seat_limit_reached' });

    const elsewhere = await rest('POST', `/api/tenants/${globexId}/invitations`, {
      token: adminToken,
      body: { email: 'spy@example.com' },
    });
    expect(elsewhere.status).toBe(404);
  });

  it('GET /api/tenants/{id}/users filters by role and active, as in the brief', async () => {
    const { status, body } = await rest('GET', `/api/tenants/${acmeId}/users?role=member&active=true`, {
      token: adminToken,
    });
    expect(status).toBe(200);
    expect(body.items.map((member: { email: string }) => member.email)).toEqual(['member@acme.test']);
    const inactive = await rest('GET', `/api/tenants/${acmeId}/users?active=false&limit=5`, { token: adminToken });
    expect(inactive.body.items).toEqual([]);
    const invalid = await rest('GET', `/api/tenants/${acmeId}/users?role=owner&limit=500`, { token: adminToken });
    expect(invalid.status).toBe(400);
    expect(Object.keys(invalid.body.error.fields).sort()).toEqual(['limit', 'role']);
    expect((await rest('GET', `/api/tenants/${globexId}/users`, { token: adminToken })).status).toBe(404);
  });

  it('GET /api/tenants/{id}/usage returns the brief’s shape, counting REST calls like tRPC calls', async () => {
    const first = await rest('GET', `/api/tenants/${acmeId}/usage`, { token: adminToken });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      users: { current: 4, limit: 50, percent: 8 },
      storage: { used_gb: 0, limit_gb: 100 },
      api_calls: { limit: 5000 },
    });
    await api.client(adminToken).auth.whoami.query();
    const second = await rest('GET', `/api/tenants/${acmeId}/usage`, { token: adminToken });
    expect(second.body.api_calls.this_hour).toBe(first.body.api_calls.this_hour + 2);
    expect(Number(second.headers.get('x-ratelimit-remaining'))).toBe(5000 - second.body.api_calls.this_hour);
  });

  it('answers 429 with Retry-After once the hourly limit is reached', async () => {
    const throttled = await createTenantWithMembers(api.database.db, 'Throttled', 'professional');
    await setTenantColumns(api, throttled.tenantId, { apiRateLimit: 2 });
    const id = await tenantUuid(api.database.db, throttled.tenantId);
    const token = await api.sessionToken({
      tenantId: throttled.tenantId,
      userId: throttled.users.admin,
      role: 'admin',
    });
    const statuses = [];
    for (let n = 0; n < 3; n++) statuses.push(await rest('GET', `/api/tenants/${id}/usage`, { token }));
    expect(statuses.map((response) => response.status)).toEqual([200, 200, 429]);
    expect(Number(statuses[2]?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(statuses[2]?.body.error.code).toBe('TOO_MANY_REQUESTS');
  });
});
