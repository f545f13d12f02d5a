// Builds the publishable package into dist/: the client's JavaScript, and one declaration file
// that carries the api's router type with nothing of the server behind it. tsc emits the api's
// declarations (it spells out every procedure's input and output), rollup-plugin-dts bundles them
// with the client's, and the server's request context, which no client needs, becomes opaque. The
// bundle may import only the packages the client depends on: anything else fails the build.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';

const here = path.dirname(fileURLToPath(import.meta.url));
const build = path.join(here, '.build');
const dist = path.join(here, 'dist');
const emitted = path.join(build, 'packages/client/src');
const apiTypes = path.join(build, 'apps/api/src');
const contextTypes = path.join(apiTypes, 'trpc/context.d.ts');
const ALLOWED_IMPORTS = /^(@trpc\/client|@trpc\/server|eventsource)(\/|$)/;

fs.rmSync(build, { recursive: true, force: true });
fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [path.join(here, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: here,
  stdio: 'inherit',
});

fs.mkdirSync(dist);
for (const file of fs.readdirSync(emitted).filter((name) => name.endsWith('.js'))) {
  fs.copyFileSync(path.join(emitted, file), path.join(dist, file));
}

const bundle = await rollup({
  input: path.join(emitted, 'index.d.ts'),
  external: (id) => ALLOWED_IMPORTS.test(id),
  plugins: [
    {
      name: 'digame-api-types',
      resolveId(source, importer) {
        if (source === '@digame/api/router') return path.join(apiTypes, 'trpc/router.d.ts');
        if (!source.startsWith('.') && !path.isAbsolute(source)) {
          throw new Error(`${importer}: the client's declarations may not import ${source}`);
        }
        return null;
      },
      load(id) {
        // Procedures' types never mention the context; only the router's root config does.
        if (id === contextTypes) return 'export type RequestContext = object;\n';
        return null;
      },
    },
    dts({ respectExternal: false }),
  ],
});
await bundle.write({ file: path.join(dist, 'index.d.ts'), format: 'es' });
await bundle.close();
fs.rmSync(build, { recursive: true, force: true });
