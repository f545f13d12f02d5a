import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type TestApi, useTestApi } from '@digame/api/testing';
import { fileStorageEnvSchema } from '@digame/core/files';
import { type SmtpReceiver, useSmtpReceiver } from '@digame/core/testing';
import { hashPassword, User } from '@digame/core/users';
import { useInProcessWorker } from '@digame/worker/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, afterEach, beforeAll, expect, vi } from 'vitest';
import { apiProxy } from '../../vite.config.js';
import { launchChromium } from './browser.js';

const webRoot = fileURLToPath(new URL('../..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
export const SCREENSHOTS = fileURLToPath(new URL('../../../../test-results/', import.meta.url));
const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export const PASSWORD = 'correct horse battery staple';
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 860 };

/** A port nothing listens on right now: the api must know the console's origin before either starts. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface ConsoleStack {
  api: TestApi;
  smtp: SmtpReceiver;
  webUrl: string;
  browser: Browser;
  /** A fresh browser context (its own cookie jar: another person's browser) on a path. */
  open(path: string, options?: { phone?: boolean; dark?: boolean }): Promise<Page>;
  /** A context without a page, for journeys that need several tabs. */
  context(options?: { phone?: boolean; dark?: boolean }): Promise<BrowserContext>;
  repoRoot: string;
}

/**
 * The whole system for one browser test file (call once, at the top, with await): the api (own database, Redis prefix), a worker
 * sending real mail to an SMTP sink, the console's own Vite dev server and config proxying to that
 * api, and Debian's chromium. Event streams re-check their session every second here.
 */
export async function useConsoleStack(overrides: Record<string, string> = {}): Promise<ConsoleStack> {
  const port = await freePort();
  const webUrl = `http://127.0.0.1:${port}`;
  // Cookie-carrying mutations (refresh, sign-out) are only accepted from APP_URL's origin.
  const api = useTestApi({ APP_URL: webUrl, EVENTS_RECHECK_SECONDS: '1', ...overrides });
  const smtp = useSmtpReceiver();
  useInProcessWorker(() => ({
    databaseUrl: api.database.appUrl,
    prefix: api.config.REDIS_PREFIX,
    smtpUrl: smtp.current.url,
    // The worker stores and reads files where the api does (export archives, purges).
    extra: fileStorageEnvOf(api.config),
  }));
  // A journey through several screens, each audited in two themes at two widths, takes a while.
  vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
  let vite: ViteDevServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const browserErrors: string[] = [];

  beforeAll(async () => {
    vite = await createServer({
      root: webRoot,
      configFile: fileURLToPath(new URL('../../vite.config.ts', import.meta.url)),
      logLevel: 'silent',
      server: { host: '127.0.0.1', port, strictPort: true, watch: null, proxy: apiProxy(api.url) },
    });
    await vite.listen();
    browser = await launchChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  // A failed journey leaves a picture of every open page, to see what the person would have seen.
  afterEach(async (test) => {
    const errors = browserErrors.splice(0);
    if (test.task.result?.state !== 'fail') return;
    if (errors.length > 0) console.error(`browser errors during "${test.task.name}":\n${errors.join('\n')}`);
    const slug = test.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    let index = 0;
    for (const context of contexts) {
      for (const page of context.pages()) {
        const path = `${SCREENSHOTS}failed-${slug}-${index++}.png`;
        await page.screenshot({ path, timeout: 5_000 }).catch((error: unknown) => console.error(`${path}: ${error}`));
      }
    }
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await vite?.close();
  });

  const context = async (options: { phone?: boolean; dark?: boolean } = {}) => {
    if (!browser) throw new Error('the browser starts in beforeAll');
    const created = await browser.newContext({
      viewport: options.phone ? PHONE : DESKTOP,
      colorScheme: options.dark ? 'dark' : 'light',
      baseURL: webUrl,
    });
    await created.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: webUrl });
    created.on('weberror', (error) => browserErrors.push(String(error.error())));
    created.on('console', (message) => {
      if (message.type() === 'error') browserErrors.push(message.text());
    });
    contexts.push(created);
    return created;
  };

  return {
    api,
    get smtp() {
      return smtp.current;
    },
    webUrl,
    get browser() {
      if (!browser) throw new Error('the browser starts in beforeAll');
      return browser;
    },
    context,
    async open(path, options) {
      const page = await (await context(options)).newPage();
      await page.goto(`${webUrl}${path}`);
      return page;
    },
    repoRoot,
  };
}

/** The api's object store settings as environment variables, for a worker that must share its store. */
function fileStorageEnvOf(config: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of Object.keys(fileStorageEnvSchema.shape)) {
    const value = config[key];
    if (value !== undefined) env[key] = String(value);
  }
  return env;
}

/** The link of the newest email to an address whose link goes to `path` (set-password, invitation). */
export async function linkFromEmail(smtp: SmtpReceiver, to: string, path: string): Promise<string> {
  const find = () =>
    smtp
      .to(to)
      .map(
        (mail) =>
          new RegExp(`(https?://[^\\s"<>]+${path.replace('/', '\\/')}\\?token=[^\\s"<>]+)`).exec(mail.text)?.[1],
      )
      .filter((link): link is string => Boolean(link))
      .at(-1);
  await smtp.waitFor(() => find() !== undefined);
  const link = new URL(find() as string);
  return `${link.pathname}${link.search}`;
}

/** Gives a fixture member a known password, so a test can sign in as them. */
export async function setPassword(api: TestApi, userId: string): Promise<void> {
  const passwordHash = await hashPassword(PASSWORD);
  await api.database.db.inGlobal((em) => em.nativeUpdate(User, { id: userId }, { passwordHash }));
}

export async function signIn(page: Page, email: string, options: { tenant?: string } = {}): Promise<void> {
  // The caller opened /sign-in, or a console page that redirects there (keeping where to return).
  await heading(page, 'Sign in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  if (options.tenant) await page.getByLabel('Organization (optional)').fill(options.tenant);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Waits for the page heading (the h1 every screen has) to read `name`. */
export async function heading(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

/** The page must not scroll sideways: nothing wider than the viewport. */
export async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, 'page scrolls sideways').toBeLessThanOrEqual(0);
}

/**
 * What a person on a phone would see as broken, besides sideways scroll: a toast reaching past the
 * screen's edges or behind the top bar, a table scrolling inside its box, a word split across lines
 * (text set to break anywhere on purpose, such as a secret shown once, is exempt).
 */
export async function phoneLayoutProblems(page: Page, options: { tableMayScroll?: boolean } = {}): Promise<string[]> {
  return page.evaluate((tableMayScroll) => {
    const problems: string[] = [];
    const width = document.documentElement.clientWidth;
    const barBottom = document.querySelector('header')?.getBoundingClientRect().bottom ?? 0;
    // A toast on its way out slides up under the bar as it fades (data-removed): that is its exit, not its place.
    for (const toast of document.querySelectorAll(
      '[data-sonner-toast][data-visible="true"]:not([data-removed="true"])',
    )) {
      const box = toast.getBoundingClientRect();
      if (box.left < 0 || box.right > width || box.top < barBottom) {
        problems.push(
          `toast "${toast.textContent}" at ${Math.round(box.left)}..${Math.round(box.right)}, top ${Math.round(box.top)}`,
        );
      }
    }
    if (!tableMayScroll) {
      for (const box of document.querySelectorAll<HTMLElement>('[data-table-scroll]')) {
        if (box.scrollWidth > box.clientWidth + 1) {
          problems.push(
            `table "${box.querySelector('caption')?.textContent}" scrolls sideways (${box.scrollWidth} px in ${box.clientWidth})`,
          );
        }
      }
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || getComputedStyle(parent).wordBreak === 'break-all' || parent.closest('[aria-hidden="true"]'))
        continue;
      const text = node.textContent ?? '';
      // Words, each split after a hyphen or slash: a line may end there without splitting a word.
      // Not so between digits: a date (2026-12-02) or a fraction is one word.
      for (const match of text.matchAll(/(?:[^\s\-–/]|(?<=\d)[-–/](?=\d))+[-–/]?/g)) {
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size > 1) problems.push(`"${match[0]}" is split across lines`);
      }
    }
    return problems;
  }, options.tableMayScroll === true);
}

/** Selects too narrow for their chosen option, which then shows cut off ("MRR, highest f"). */
export async function clippedSelects(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const context = document.createElement('canvas').getContext('2d');
    if (!context) return ['no canvas to measure text with'];
    const problems: string[] = [];
    for (const select of document.querySelectorAll('select')) {
      const option = select.selectedOptions[0];
      if (!option || select.offsetParent === null) continue;
      const style = getComputedStyle(select);
      context.font = style.font;
      // Besides the padding, Chromium keeps about 20 px for its arrow (measured: "MRR, highest first", 124 px of
      // text, shows whole in a 168 px select and cut in a 158 px one).
      const room =
        select.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight) - 20;
      const text = context.measureText(option.text).width;
      if (text > room + 1)
        problems.push(
          `select "${select.getAttribute('aria-label') ?? select.labels?.[0]?.textContent}" cuts "${option.text}" (${Math.round(text)} px in ${Math.round(room)})`,
        );
    }
    return problems;
  });
}

/** axe-core's violations on the page as it is now (rule id and the first offending element). */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<AxeResult> } }).axe;
    interface AxeResult {
      violations: Array<{ id: string; help: string; nodes: Array<{ target: string[]; failureSummary?: string }> }>;
    }
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map(
      (violation) =>
        `${violation.id}: ${violation.help} — ${violation.nodes
          .slice(0, 3)
          .map((node) => `${node.target.join(' ')} (${node.failureSummary ?? ''})`)
          .join('; ')}`,
    );
  });
  return violations;
}

/**
 * What every screen is checked for: screenshots at 1280 and 390 px in light and dark, no axe
 * violations in either theme, and on a phone no sideways scroll nor the problems of
 * phoneLayoutProblems. Leaves the page as it found it.
 */
export async function checkScreen(
  page: Page,
  name: string,
  ready: (page: Page) => Promise<void>,
  options: { tableMayScroll?: boolean } = {},
): Promise<void> {
  const originalViewport = page.viewportSize() ?? DESKTOP;
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [label, viewport] of [
      ['1280', DESKTOP],
      ['390', PHONE],
    ] as const) {
      await page.setViewportSize(viewport);
      await ready(page);
      // From the top, so the sticky header is where a person first sees it.
      await page.evaluate(() => window.scrollTo(0, 0));
      // Let transitions and charts settle before the picture and the audit.
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      // Transitions set off by the new width or theme end first; endless ones (spinners) are left running.
      await page.evaluate(() =>
        Promise.race([
          Promise.all(
            document
              .getAnimations()
              .filter((animation) => animation.effect?.getTiming().iterations !== Number.POSITIVE_INFINITY)
              .map((animation) => animation.finished.catch(() => undefined)),
          ),
          new Promise((resolve) => setTimeout(resolve, 2_000)),
        ]),
      );
      await page.screenshot({ path: `${SCREENSHOTS}${name}-${label}-${scheme}.png`, fullPage: true });
      expect(await clippedSelects(page), `selects of ${name} at ${label} px`).toEqual([]);
      if (label === '390') {
        await expectNoSidewaysScroll(page);
        expect(await phoneLayoutProblems(page, options), `layout of ${name} at 390 px, ${scheme}`).toEqual([]);
      }
      expect(await axeViolations(page), `axe on ${name} at ${label} px, ${scheme}`).toEqual([]);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(originalViewport);
}
