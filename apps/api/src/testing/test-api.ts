import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { issueSession } from '@digame/core/auth';
import type { Role } from '@digame/core/members';
import { createTestBucket, type TestDatabase, testServices, useTestDatabase } from '@digame/core/testing';
import { User } from '@digame/core/users';
import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import { afterAll, beforeAll } from 'vitest';
import { type ApiConfig, loadApiConfig } from '../config.js';
import { createApiDeps } from '../deps.js';
import { createApiServer } from '../server.js';
import type { ApiDeps } from '../trpc/context.js';
import type { AppRouter } from '../trpc/router.js';

export interface TestApi {
  database: TestDatabase;
  deps: ApiDeps;
  config: ApiConfig;
  /** Base URL of the running api, e.g. http://127.0.0.1:41234. */
  url: string;
  /** A typed client sending the given bearer token (or none). */
  client(token?: string): TRPCClient<AppRouter>;
  /**
   * Opens a real session (auth_sessions row and Redis record, through the session service) for an
   * existing membership and returns its access token. `role` must be the membership's role;
   * `platformOperator: true` marks the user as a platform operator first.
   */
  sessionToken(input: { tenantId: number; userId: string; role: Role; platformOperator?: boolean }): Promise<string>;
}

/** Serves an app built from these deps on a free loopback port; returns its URL and a closer. */
export async function serveTestApp(deps: ApiDeps): Promise<{ url: string; close(): void }> {
  const server = createApiServer(deps).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/**
 * A real api process in-process: own database (from the migrated template), the shared Redis with a
 * per-file key prefix, its own bucket on the test S3 server, an HTTP listener on a free port. Use
 * once per test file.
 */
export function useTestApi(overrides: Partial<Record<string, string>> = {}): TestApi {
  const database = useTestDatabase();
  let state: { deps: ApiDeps & { close(): Promise<void> }; url: string; close(): void; config: ApiConfig } | undefined;

  beforeAll(async () => {
    const config = loadApiConfig({
      ...(await createTestBucket()),
      NODE_ENV: 'test',
      LOG_LEVEL: (process.env.TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent',
      DATABASE_URL: database.appUrl,
      REDIS_URL: testServices().redisUrl,
      REDIS_PREFIX: `{test-${randomBytes(4).toString('hex')}}`,
      JWT_SECRET: randomBytes(32).toString('hex'),
      APP_URL: 'http://localhost:5173',
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      // Tests create many organizations from one address; the sign-up limit has its own test.
      SIGNUP_RATE_LIMIT_PER_HOUR: '10000',
      SETTINGS_ENCRYPTION_KEYS: `test1:${randomBytes(32).toString('base64')}`,
      ...overrides,
    });
    const deps = await createApiDeps(config);
    const { url, close } = await serveTestApp(deps);
    state = { deps, url, config, close };
  });

  afterAll(async () => {
    state?.close();
    await state?.deps.close();
  });

  const current = () => {
    if (!state) throw new Error('the test api starts in beforeAll; use it inside tests or hooks');
    return state;
  };

  return {
    database,
    get deps() {
      return current().deps;
    },
    get config() {
      return current().config;
    },
    get url() {
      return current().url;
    },
    client(token) {
      return createTRPCClient<AppRouter>({
        links: [
          httpBatchLink({
            url: `${current().url}/trpc`,
            headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
          }),
        ],
      });
    },
    async sessionToken({ tenantId, userId, role, platformOperator = false }) {
      const { deps } = current();
      if (platformOperator) {
        await deps.db.inGlobal((em) => em.nativeUpdate(User, { id: userId }, { isPlatformOperator: true }));
      }
      const tenant = await deps.tenants.get(tenantId);
      if (!tenant) throw new Error(`sessionToken: no tenant ${tenantId}`);
      const session = await issueSession(deps.identity, {
        tenant,
        userId,
        actor: { userId, ipAddress: '127.0.0.1', userAgent: 'test-api' },
        method: 'test',
      });
      if (session.role !== role) {
        throw new Error(`sessionToken: user ${userId} is ${session.role} in tenant ${tenantId}, not ${role}`);
      }
      return session.accessToken;
    },
  };
}
