import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { useTestApi } from '@digame/api/testing';
import { createTenantWithMembers } from '@digame/core/testing';
import { hashPassword, User } from '@digame/core/users';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_CALLS as SERVER_BATCH_CAP } from '../../../apps/api/src/request/cross-site.js';
// Only the type: the functions under test are the copies compiled in the outside project.
import type * as Scenario from '../test-consumer/scenario.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const PASSWORD = 'correct horse battery staple';

const api = useTestApi();
let project: string;
let scenario: typeof Scenario;
let tscReport: { files: number; seconds: number; fileNames: string[] };

/** Forwards TCP to the api; cut() drops every connection and refuses new ones until resume(). */
function cuttableProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return {
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`)),
      ),
    cut() {
      refusing = true;
      for (const socket of sockets) socket.destroy();
    },
    resume() {
      refusing = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeAll(async () => {
  // A fresh project outside the workspace: the tarball from npm pack, its dependencies from the
  // registry, no path mapping and no link back into this repository.
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'digame-client-consumer-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', project], { cwd: packageDir });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  if (!packed) throw new Error('npm pack reported no tarball');
  expect(packed.files.map((file) => file.path).sort()).toEqual(
    expect.arrayContaining(['dist/index.d.ts', 'dist/index.js', 'package.json']),
  );
  for (const file of ['scenario.ts', 'tsconfig.json']) {
    fs.copyFileSync(path.join(packageDir, 'test-consumer', file), path.join(project, file));
  }
  fs.writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({
      name: 'outside-app',
      private: true,
      type: 'module',
      dependencies: { '@digame/client': `file:./${packed.filename}`, typescript: '5.9.3' },
    }),
  );
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project });

  const tsc = await run(
    path.join(project, 'node_modules/.bin/tsc'),
    ['-p', '.', '--extendedDiagnostics', '--listFiles'],
    {
      cwd: project,
    },
  ).catch((error: { stdout?: string }) => {
    throw new Error(`the outside app does not type-check:\n${error.stdout ?? error}`);
  });
  const fileNames = tsc.stdout.split('\n').filter((line) => line.startsWith('/'));
  tscReport = {
    files: fileNames.length,
    seconds: Number(/^Total time:\s+([\d.]+)s/m.exec(tsc.stdout)?.[1]),
    fileNames,
  };
  console.log(`outside app: tsc checked ${tscReport.files} files in ${tscReport.seconds}s`);
  scenario = (await import(pathToFileURL(path.join(project, 'dist/scenario.js')).href)) as typeof Scenario;
}, 240_000);

afterAll(() => {
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

describe('@digame/client from its tarball, in an outside project', () => {
  it('ships declarations that need nothing of the server: only @trpc/* and eventsource', () => {
    const declarations = fs.readFileSync(path.join(project, 'node_modules/@digame/client/dist/index.d.ts'), 'utf8');
    const imported = [...declarations.matchAll(/from '([^']+)'/g)].map((match) => match[1]);
    expect(imported.length).toBeGreaterThan(0);
    for (const specifier of imported) expect(specifier).toMatch(/^(@trpc\/client|@trpc\/server)(\/|$)/);
    expect(declarations).not.toMatch(/mikro-orm|bullmq|ioredis|@digame\//);
    // What tsc read: the app, the standard library, and the declarations of the installed packages.
    const outside = tscReport.fileNames.filter(
      (file) => !/\/node_modules\/(typescript|@trpc\/(client|server)|@digame\/client|eventsource)\//.test(file),
    );
    expect(outside).toEqual([path.join(fs.realpathSync(project), 'scenario.ts')]);
  });

  it('signs in, then calls with an API key batched and one by one, each call counted once', async () => {
    const acme = await createTenantWithMembers(api.database.db, 'Outside Acme', 'professional');
    const passwordHash = await hashPassword(PASSWORD);
    await api.database.db.inGlobal((em) => em.nativeUpdate(User, { id: acme.users.admin }, { passwordHash }));
    const accessToken = await scenario.signIn(api.url, 'admin@outside-acme.test', PASSWORD);
    const apiKey = await scenario.createApiKey(api.url, accessToken);

    // Each count includes the usage.get that reads it.
    const before = await scenario.callsThisHour(api.url, apiKey);
    const batched = await scenario.threeCalls(api.url, apiKey, true);
    expect(batched).toMatchObject({ httpRequests: 1, kind: 'api_key', tenantName: 'Outside Acme' });
    // A batch is counted whole before any of its calls runs.
    expect(batched.callsThisHour).toBe(before + 3);
    const afterBatch = await scenario.callsThisHour(api.url, apiKey);
    expect(afterBatch).toBe(before + 4);
    const unbatched = await scenario.threeCalls(api.url, apiKey, false);
    expect(unbatched).toMatchObject({ httpRequests: 3, kind: 'api_key', tenantName: 'Outside Acme' });
    expect(await scenario.callsThisHour(api.url, apiKey)).toBe(afterBatch + 4);
    expect(scenario.batchCap).toBe(SERVER_BATCH_CAP);
  });

  it('refuses an enterprise feature with a typed feature_not_available naming the tier', async () => {
    const pro = await createTenantWithMembers(api.database.db, 'Outside Pro', 'professional');
    const passwordHash = await hashPassword(PASSWORD);
    await api.database.db.inGlobal((em) => em.nativeUpdate(User, { id: pro.users.admin }, { passwordHash }));
    const apiKey = await scenario.createApiKey(
      api.url,
      await scenario.signIn(api.url, 'admin@outside-pro.test', PASSWORD),
    );
    expect(await scenario.auditLogRefusal(api.url, apiKey)).toEqual({
      code: 'feature_not_available',
      feature: 'audit_logs',
      requiredTier: 'enterprise',
    });
  });

  it('resumes a subscription after its socket is cut, with nothing lost or doubled', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Outside Stream', 'professional');
    const passwordHash = await hashPassword(PASSWORD);
    await api.database.db.inGlobal((em) => em.nativeUpdate(User, { id: tenant.users.admin }, { passwordHash }));
    const apiKey = await scenario.createApiKey(
      api.url,
      await scenario.signIn(api.url, 'admin@outside-stream.test', PASSWORD),
    );
    const proxy = cuttableProxy(new URL(api.url));
    const url = await proxy.listen();
    const stream = scenario.subscribeEvents(url, apiKey);
    // The stream also carries live usage.updated events (opening it counts as a call); follow ours.
    const ours = () => stream.events.filter((event) => event.type === 'member.changed');
    try {
      await stream.opened(1);
      const publish = (n: number) => api.deps.events.publish(tenant.tenantId, 'member.changed', { n });
      await publish(1);
      await publish(2);
      await until(() => ours().length === 2, 'the first two events');

      proxy.cut();
      // Published while the client has no connection: it must get them on its way back.
      await publish(3);
      await publish(4);
      proxy.resume();
      await stream.opened(2);
      await publish(5);
      await until(() => ours().length >= 5, 'all five events');
      // Anything doubled would arrive next to its twin; give a late duplicate a moment to show.
      await new Promise((resolve) => setTimeout(resolve, 300));

      expect(ours().map((event) => event.data.n)).toEqual([1, 2, 3, 4, 5]);
      expect(new Set(stream.events.map((event) => event.id)).size).toBe(stream.events.length);
    } finally {
      stream.stop();
      await proxy.close();
    }
  });
});
