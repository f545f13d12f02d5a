/**
 * The brief's REST endpoints, each served by a tRPC procedure: the route says where the path id,
 * query string and body go in the procedure's input. Schemas, permissions, features and errors all
 * come from the procedure, so the two surfaces cannot drift apart.
 */
export interface RestRequest {
  /** The `{id}` path parameter: a tenant's public id. */
  id?: string;
  query: Record<string, unknown>;
  body: unknown;
}

export interface RestRoute {
  method: 'get' | 'post' | 'put';
  /** OpenAPI path template. */
  path: string;
  /** The tRPC procedure that serves it. */
  procedure: string;
  summary: string;
  description: string;
  tag: 'Tenants' | 'Users' | 'Usage';
  successStatus: 200 | 201;
  /** Callable without a credential (self-serve sign-up). */
  anonymous?: boolean;
  /** Input properties read from the query string (numbers among them are converted). */
  query?: { names: string[]; numbers?: string[] };
  hasBody: boolean;
  input(request: RestRequest): unknown;
}

const objectBody = (body: unknown): Record<string, unknown> =>
  body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};

export const REST_ROUTES: readonly RestRoute[] = [
  {
    method: 'post',
    path: '/api/tenants',
    procedure: 'tenants.create',
    summary: 'Create a tenant',
    description:
      'Creates an organization on a 30-day trial with its first admin, who is emailed a link to set a password. ' +
      'Open to anyone unless self-serve sign-up is closed (then platform operators only); limited per address.',
    tag: 'Tenants',
    successStatus: 201,
    anonymous: true,
    hasBody: true,
    input: ({ body }) => body,
  },
  {
    method: 'get',
    path: '/api/tenants/{id}',
    procedure: 'tenants.get',
    summary: 'Get tenant information',
    description: 'Your own organization; platform operators may read any. Needs tenant.read.',
    tag: 'Tenants',
    successStatus: 200,
    hasBody: false,
    input: ({ id }) => ({ tenantId: id }),
  },
  {
    method: 'put',
    path: '/api/tenants/{id}',
    procedure: 'tenants.update',
    summary: 'Update tenant settings',
    description:
      'Changes name, contact details, domain, regional `settings` and `branding` (branding needs the ' +
      'custom_branding feature). Keys set to null are removed. Needs tenant.update.',
    tag: 'Tenants',
    successStatus: 200,
    hasBody: true,
    input: ({ id, body }) => ({ ...objectBody(body), tenantId: id }),
  },
  {
    method: 'post',
    path: '/api/tenants/{id}/invitations',
    procedure: 'invitations.create',
    summary: 'Invite a user to the tenant',
    description:
      'Emails a single-use link, valid 7 days by default. Refused for existing members, open invitations and ' +
      'past the seat limit. Needs users.invite.',
    tag: 'Users',
    successStatus: 201,
    hasBody: true,
    input: ({ id, body }) => ({ ...objectBody(body), tenantId: id }),
  },
  {
    method: 'get',
    path: '/api/tenants/{id}/users',
    procedure: 'members.list',
    summary: 'Get tenant users',
    description: 'Members filtered by role and active state, searchable, cursor-paginated. Needs users.read.',
    tag: 'Users',
    successStatus: 200,
    hasBody: false,
    query: { names: ['role', 'active', 'search', 'cursor', 'limit'], numbers: ['limit'] },
    input: ({ id, query }) => ({ ...query, tenantId: id }),
  },
  {
    method: 'get',
    path: '/api/tenants/{id}/usage',
    procedure: 'usage.get',
    summary: 'Get tenant usage',
    description:
      'Seats, storage and API calls against the tier’s limits, with the share of each used. Needs usage.read.',
    tag: 'Usage',
    successStatus: 200,
    hasBody: false,
    input: ({ id }) => ({ tenantId: id }),
  },
];
