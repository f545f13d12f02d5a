import { fileURLToPath } from 'node:url';
import { serveTestApp, useTestApi } from '@digame/api/testing';
import { connectRedis } from '@digame/core/redis';
import { testServices } from '@digame/core/testing';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './testing/browser.js';

const webRoot = fileURLToPath(new URL('..', import.meta.url));
// Nothing listens on port 1, so a proxy pointed there finds no api.
const DEAD_API_URL = 'http://127.0.0.1:1';

const api = useTestApi();
const cleanups: Array<() => Promise<unknown> | unknown> = [];
let browser: Browser;

/** An api on its own port; with a Redis connection of the test's choosing when one is given. */
async function startApi(redis = api.deps.redis): Promise<string> {
  const { url, close } = await serveTestApp({ ...api.deps, redis });
  cleanups.push(close);
  return url;
}

/** The dashboard's own dev server and config, with its proxy aimed at the given api. */
async function startDashboard(apiUrl: string): Promise<string> {
  const vite: ViteDevServer = await createServer({
    root: webRoot,
    configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)),
    logLevel: 'silent',
    server: {
      host: '127.0.0.1',
      port: 0,
      strictPort: false,
      watch: null,
      proxy: { '/trpc': apiUrl, '/api': apiUrl, '/healthz': apiUrl },
    },
  });
  cleanups.push(() => vite.close());
  await vite.listen();
  const url = vite.resolvedUrls?.local[0];
  if (!url) throw new Error('Vite reported no local URL');
  return url;
}

async function openDashboard(url: string): Promise<Page> {
  const page = await browser.newPage();
  cleanups.push(() => page.close());
  await page.goto(url);
  return page;
}

/** What the status panel lists for one dependency: name, Up/Down, latency (and the error, if any). */
async function dependency(page: Page, name: string): Promise<string[]> {
  return page.getByRole('listitem').filter({ hasText: name }).locator('span').allTextContents();
}

async function statusSummary(page: Page): Promise<string | null> {
  return page.getByRole('status').textContent();
}

beforeAll(async () => {
  // launch() gives every browser a fresh temporary profile of its own and refuses --user-data-dir.
  browser = await launchChromium();
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await browser?.close();
});

describe('dashboard against a healthy api', () => {
  let page: Page;

  beforeAll(async () => {
    page = await openDashboard(await startDashboard(await startApi()));
  });

  it('shows the product name', async () => {
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Digame Tenancy');
  });

  it('reports PostgreSQL and Redis up, with their latency', async () => {
    await expect.poll(() => statusSummary(page)).toBe('All systems up');
    for (const name of ['PostgreSQL', 'Redis']) {
      expect(await dependency(page, name)).toEqual([name, 'Up', expect.stringMatching(/^\d+ ms$/)]);
    }
  });

  it('shows each plan with its price and limits', async () => {
    const table = page.getByRole('table', { name: 'Price, limits and features of each plan' });
    await table.waitFor();
    expect(await table.getByRole('columnheader').allTextContents()).toEqual([
      'Plan',
      'Basic',
      'Professional',
      'Enterprise',
    ]);
    const cells = (header: string) =>
      table
        .getByRole('row')
        .filter({ has: page.getByRole('rowheader', { name: header, exact: true }) })
        .getByRole('cell')
        .allTextContents();
    expect(await cells('Price')).toEqual(['$29/month', '$99/month', 'Custom pricing']);
    expect(await cells('Users')).toEqual(['10', '50', 'Unlimited']);
    expect(await cells('Storage')).toEqual(['5 GB', '100 GB', '1,024 GB']);
    expect(await cells('API calls/hour')).toEqual(['1,000', '5,000', '25,000']);
    expect(await cells('Core Analytics')).toEqual(['✓', '✓', '✓']);
    expect(await cells('AI Insights')).toEqual(['—', '✓', '✓']);
    expect(await cells('Single Sign-On')).toEqual(['—', '—', '✓']);
  });

  it('names the tick marks for screen readers', async () => {
    const sso = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Single Sign-On' }) });
    expect(await sso.getByRole('img', { name: 'Included', exact: true }).count()).toBe(1);
    expect(await sso.getByRole('img', { name: 'Not included', exact: true }).count()).toBe(2);
  });
});

describe('dashboard when something is down', () => {
  it('names Redis when the api reports it down', async () => {
    const redis = await connectRedis(testServices().redisUrl, 'web-test-broken');
    const apiUrl = await startApi(redis);
    redis.disconnect();
    const page = await openDashboard(await startDashboard(apiUrl));
    await expect.poll(() => statusSummary(page)).toBe('Degraded: Redis down');
    expect((await dependency(page, 'Redis')).slice(0, 2)).toEqual(['Redis', 'Down']);
    expect((await dependency(page, 'PostgreSQL')).slice(0, 2)).toEqual(['PostgreSQL', 'Up']);
  });

  it('says the api is unreachable, and offers to retry loading plans', async () => {
    const page = await openDashboard(await startDashboard(DEAD_API_URL));
    await expect.poll(() => statusSummary(page)).toBe('API unreachable');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.getByRole('paragraph').textContent()).toBe('Could not load plans: API unreachable');
    expect(await alert.getByRole('button', { name: 'Try again' }).isVisible()).toBe(true);
  });
});
