import { randomUUID } from 'node:crypto';
import { checkHealth } from '@digame/core/health';
import { getConnInfo } from '@hono/node-server/conninfo';
import { trpcServer } from '@hono/trpc-server';
import { Hono } from 'hono';
import type { ApiDeps, RequestContext } from './trpc/context.js';
import { appRouter } from './trpc/router.js';

type Env = { Variables: { requestId: string } };

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** The api's HTTP surface; main.ts adds the listener, tests call app.request() directly. */
export function createApp(deps: ApiDeps): Hono<Env> {
  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    c.header('X-Request-Id', requestId);
    await next();
  });

  app.get('/healthz', async (c) => {
    const report = await checkHealth(deps);
    return c.json(report, report.status === 'ok' ? 200 : 503);
  });

  app.use(
    '/trpc/*',
    trpcServer({
      endpoint: '/trpc',
      router: appRouter,
      createContext: (_opts, c): RequestContext & Record<string, unknown> => ({
        ...deps,
        requestId: c.get('requestId'),
        ipAddress: clientAddress(c),
        userAgent: c.req.header('user-agent') ?? null,
      }),
    }),
  );

  app.notFound((c) =>
    c.json({ error: { code: 'NOT_FOUND', message: `No route for ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.onError((error, c) => {
    deps.logger.error({ err: error, requestId: c.get('requestId') }, 'unhandled error');
    return c.json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } }, 500);
  });

  return app;
}

function clientAddress(c: Parameters<typeof getConnInfo>[0]): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    // app.request() in tests has no socket.
    return null;
  }
}
