import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Context, Env, Hono } from 'hono';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Paths the api owns: never answered with the console, so an unknown api path stays a JSON 404. */
const API_PATHS = /^\/(trpc|api|healthz|metrics)(\/|$)/;

/** Whether `dir` holds a built console (its index.html). */
export function isConsoleBuild(dir: string): boolean {
  return existsSync(path.join(dir, 'index.html'));
}

/**
 * Serves the built console (apps/web/dist) from the api's own process, after every api route:
 * a file that exists is sent as it is (hashed assets cached for a year, index.html never), and
 * any other GET that asks for a page gets index.html, so client routes such as /team load the app.
 */
export function mountConsole<E extends Env>(app: Hono<E>, dir: string): void {
  const root = path.resolve(dir);
  const send = (c: Context<E>, file: string, cache: string) => {
    const type = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
    const body = Readable.toWeb(createReadStream(file)) as ReadableStream;
    return c.body(body, 200, {
      'Content-Type': type,
      'Content-Length': String(statSync(file).size),
      'Cache-Control': cache,
      'X-Content-Type-Options': 'nosniff',
    });
  };
  app.on(['GET', 'HEAD'], '*', async (c, next) => {
    if (API_PATHS.test(c.req.path)) return next();
    let relative: string;
    try {
      relative = decodeURIComponent(c.req.path);
    } catch {
      return next();
    }
    const file = path.resolve(root, `.${relative}`);
    // Inside the build only, and never a dotfile.
    const inside = file.startsWith(`${root}${path.sep}`) && !relative.split('/').some((part) => part.startsWith('.'));
    if (inside && existsSync(file) && statSync(file).isFile()) {
      const immutable = relative.startsWith('/assets/');
      return send(c, file, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
    // A missing asset is a 404; a page address is a client route of the single-page app.
    if (path.extname(relative) !== '' || !(c.req.header('accept') ?? '').includes('text/html')) return next();
    return send(c, path.join(root, 'index.html'), 'no-cache');
  });
}
