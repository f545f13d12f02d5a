import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import tailwindcss from '@tailwindcss/vite';
import { tanstackRouter } from '@tanstack/router-plugin/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** A bad WEB_PORT stops the dev server with one line naming the variable, as the api's config does. */
function webPort(raw = '5173'): number {
  const port = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`WEB_PORT must be a port number (0-65535), got "${raw}"`);
  }
  return port;
}

const webRoot = fileURLToPath(new URL('.', import.meta.url));
// pnpm links the web app's packages into the workspace's store; the dev server may read those, but
// nothing else outside this folder (the repository also holds .data/ with generated secrets).
const packageStore = realpathSync(fileURLToPath(new URL('../../node_modules/.pnpm', import.meta.url)));

// The dashboard calls the api on its own origin, so the browser needs no CORS and no api URL:
// in development Vite forwards these paths, in production the api serves the built files itself.
const apiUrl = process.env.API_URL ?? 'http://127.0.0.1:3000';

/** Only /trpc/…, /api/… and /healthz reach the api; `/apiary` is a dashboard route like any other. */
export const apiProxy = (target: string) => ({
  '^/trpc(/|$)': target,
  '^/api/': target,
  '^/healthz$': target,
});

export default defineConfig({
  plugins: [
    tanstackRouter({
      target: 'react',
      autoCodeSplitting: true,
      // NodeNext resolution (the workspace's) needs extensions in the generated imports.
      addExtensions: 'js',
      routesDirectory: './src/routes',
      generatedRouteTree: './src/routeTree.gen.ts',
      routeFileIgnorePattern: '\\.test\\.',
    }),
    react(),
    tailwindcss(),
  ],
  server: {
    host: process.env.WEB_HOST ?? '127.0.0.1',
    port: webPort(process.env.WEB_PORT),
    proxy: apiProxy(apiUrl),
    fs: { strict: true, allow: [webRoot, packageStore], deny: ['.env', '.env.*', '*.{crt,pem,key}', '**/.data/**'] },
  },
  build: { outDir: 'dist', chunkSizeWarningLimit: 600 },
});
