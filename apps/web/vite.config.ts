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

// The dashboard calls the api on its own origin, so the browser needs no CORS and no api URL:
// in development Vite forwards these paths, in production the api serves the built files itself.
const apiUrl = process.env.API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  server: {
    host: process.env.WEB_HOST ?? '127.0.0.1',
    port: webPort(process.env.WEB_PORT),
    proxy: { '/trpc': apiUrl, '/api': apiUrl, '/healthz': apiUrl },
  },
  build: { outDir: 'dist' },
});
