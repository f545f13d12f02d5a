import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';

const webRoot = fileURLToPath(new URL('..', import.meta.url));
const outDir = mkdtempSync(path.join(tmpdir(), 'digame-web-build-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** The budget for what a first visit downloads before any page's own code. */
const INITIAL_JS_BUDGET_BYTES = 250 * 1024;

describe('the production build', () => {
  it('keeps the JavaScript a first visit loads (entry and its preloads) within 250 kB gzipped', async () => {
    // Vitest runs with NODE_ENV=test, which Vite would carry into the bundle (React's dev build).
    const testEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({
        root: webRoot,
        configFile: path.join(webRoot, 'vite.config.ts'),
        mode: 'production',
        logLevel: 'silent',
        build: { outDir, emptyOutDir: true },
      });
    } finally {
      process.env.NODE_ENV = testEnv;
    }
    const html = readFileSync(path.join(outDir, 'index.html'), 'utf8');
    const initial = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((match) => match[1] as string);
    expect(initial.length).toBeGreaterThan(0);
    const gzipped = initial.reduce(
      (total, asset) => total + gzipSync(readFileSync(path.join(outDir, asset)), { level: 9 }).length,
      0,
    );
    console.info(`initial JavaScript: ${(gzipped / 1024).toFixed(1)} kB gzipped in ${initial.length} files`);
    expect(gzipped).toBeLessThanOrEqual(INITIAL_JS_BUDGET_BYTES);
    // Recharts, the largest library, is only fetched by pages that draw a chart.
    expect(initial.some((asset) => asset.includes('chart-bars'))).toBe(false);
  }, 120_000);
});
