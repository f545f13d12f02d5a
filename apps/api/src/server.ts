import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createApi } from './app.js';
import type { ApiDeps } from './trpc/context.js';

/**
 * The api's HTTP server (not yet listening): a single tRPC call goes down the single-call lane,
 * everything else to the Hono app. main.ts and the tests' servers are both this one.
 */
export function createApiServer(deps: ApiDeps): Server {
  const { app, singleCallLane } = createApi(deps);
  const hono = getRequestListener(app.fetch);
  return createServer((req, res) => {
    if (!singleCallLane(req, res)) void hono(req, res);
  });
}
