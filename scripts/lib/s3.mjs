// A local S3 protocol server (s3rver, pure JavaScript) for the test command, so file storage is
// tested against a real S3 API instead of a stub. Buckets are made by the tests themselves.
// Started by services.mjs (ensureServices({ s3: true })); run by hand with:
//   S3_PORT=4569 S3_DIR=.data/s3 node scripts/lib/s3.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** s3rver's fixed credentials: it checks signatures against these. */
const ACCESS_KEY = 'S3RVER';

/**
 * Starts the server in a child process with its data under <dir>/s3 and returns its env (the S3_*
 * variables of the file-storage configuration) and stop(). The helpers are services.mjs's own.
 */
export async function startS3(dir, state, ports, { pickPort, waitFor, spawnService, stopChild }) {
  const s3 = state.section('s3');
  s3.port = await pickPort(s3.port, ports);
  state.save();
  const endpoint = `http://127.0.0.1:${s3.port}`;
  const logFile = path.join(dir, 's3.log');
  const child = spawnService(process.execPath, [fileURLToPath(import.meta.url)], logFile, {
    S3_PORT: String(s3.port),
    S3_DIR: path.join(dir, 's3'),
  });
  // Any HTTP answer (an unsigned request is refused with an S3 error document) means it is up.
  const answers = () =>
    fetch(endpoint).then(
      () => true,
      () => false,
    );
  await waitFor('S3 server', answers, { child, logFile });
  console.log(`S3 server: ${endpoint} (data ${path.relative(process.cwd(), path.join(dir, 's3'))})`);
  return {
    env: {
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: ACCESS_KEY,
      S3_SECRET_ACCESS_KEY: ACCESS_KEY,
      S3_FORCE_PATH_STYLE: 'true',
    },
    stop: () => stopChild(child),
  };
}

async function serve() {
  // Loaded here, not at the top: services.mjs imports this file before `pnpm install` has run.
  const { default: S3rver } = await import('s3rver').catch((err) => {
    console.error(`s3 server: ${err.message}. Add s3rver to the root devDependencies and run pnpm install.`);
    process.exit(1);
  });
  const server = new S3rver({
    address: '127.0.0.1',
    port: Number(process.env.S3_PORT ?? 4569),
    directory: process.env.S3_DIR ?? '.data/s3',
    silent: true,
  });
  const { port } = await server.run();
  console.log(`s3rver listening on 127.0.0.1:${port}`);
  const stop = () => server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await serve();
