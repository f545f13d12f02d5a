import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestApi } from './testing/test-api.js';

// A built console as `vite build` lays it out: index.html and hashed assets.
const dist = mkdtempSync(path.join(tmpdir(), 'digame-console-'));
mkdirSync(path.join(dist, 'assets'));
writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>console</title><div id="root"></div>');
writeFileSync(path.join(dist, 'assets', 'index-abc123.js'), 'console.log("app")');
writeFileSync(path.join(dist, '.env'), 'SECRET=1');
writeFileSync(path.join(path.dirname(dist), 'outside-the-build.txt'), 'not the console');

const api = useTestApi({ WEB_DIST_DIR: dist });
const page = (pathname: string, accept = 'text/html,application/xhtml+xml') =>
  fetch(`${api.url}${pathname}`, { headers: { accept } });

describe('the console served by the api in production', () => {
  it('sends index.html for client routes, so a deep link or a reload loads the app', async () => {
    for (const route of ['/', '/team', '/settings/branding', '/apiary']) {
      const response = await page(route);
      expect(response.status, route).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(await response.text()).toContain('<div id="root">');
    }
  });

  it('sends hashed assets with a year of caching, and a missing one as 404', async () => {
    const asset = await page('/assets/index-abc123.js', '*/*');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await asset.text()).toBe('console.log("app")');
    expect((await page('/assets/gone-000.js', '*/*')).status).toBe(404);
  });

  it('keeps /trpc, /api and /healthz for the api: an unknown api path is the api’s JSON 404', async () => {
    const unknown = await page('/api/no-such-thing');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const trpc = await page('/trpc/auth.whoami');
    expect(trpc.status).toBe(401);
    expect(trpc.headers.get('content-type')).toContain('application/json');
    expect((await page('/healthz')).headers.get('content-type')).toContain('application/json');
    expect((await page('/api/openapi.json')).headers.get('content-type')).toContain('application/json');
  });

  it('never sends a file outside the build or a dotfile', async () => {
    for (const probe of ['/.env', '/..%2Foutside-the-build.txt', '/%2e%2e/outside-the-build.txt']) {
      const response = await page(probe, '*/*');
      expect(response.status, probe).toBe(404);
      const body = await response.text();
      expect(body).not.toContain('SECRET=1');
      expect(body).not.toContain('not the console');
    }
  });
});
