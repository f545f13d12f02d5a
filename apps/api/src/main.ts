import type { AddressInfo } from 'node:net';
import { startOrExit } from '@digame/core/config';
import { loadApiConfig } from './config.js';
import { createApiDeps } from './deps.js';
import { createApiServer } from './server.js';

await startOrExit('api', async () => {
  const config = loadApiConfig();
  const deps = await createApiDeps(config);
  const { logger } = deps;

  const server = createApiServer(deps);
  server.listen(config.PORT, () => {
    const { port } = server.address() as AddressInfo;
    logger.info({ port }, `api listening on http://localhost:${port}`);
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    const detail = error.code === 'EADDRINUSE' ? `port ${config.PORT} is already in use` : error.message;
    process.stderr.write(`api: configuration error: PORT: ${detail}\n`);
    process.exit(1);
  });

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close(async () => {
      await deps.close();
      process.exit(0);
    });
    // Open keep-alive and streaming connections must not hold the process forever.
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
});
