/**
 * Real headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, with a fresh
 * profile, every request recorded, and screenshots saved under test-artifacts/explorer/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers/log-process.js';

/** Where screenshots go (gitignored). */
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'explorer');

/** Flags that keep Chromium from reaching Google and from needing a sandbox or GPU. */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/** A running browser with its request log. */
export interface TestBrowser {
  context: BrowserContext;
  /** Every URL the browser requested, in order. */
  requests: string[];
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/** launchBrowser starts Chromium with a fresh user data dir. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'runproof-chromium-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: ARGS, acceptDownloads: true });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  return {
    context,
    requests,
    async newPage(viewport = { width: 1280, height: 900 }) {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      return page;
    },
    async screenshot(page, name) {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    async close() {
      try {
        await context.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

/** verdictOf waits until the element with `testId` leaves `pending` and returns its verdict. */
export async function verdictOf(page: Page, testId: string, timeoutMs = 30_000): Promise<string> {
  const el = page.getByTestId(testId);
  await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-verdict') !== 'pending', testId, { timeout: timeoutMs });
  return (await el.getAttribute('data-verdict'))!;
}

/** recordRequests collects the URLs one page requests. */
export function recordRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => seen.push(r.url()));
  return seen;
}

/** foreignRequests lists requests that left `origin` (blob: downloads are made in the page). */
export function foreignRequests(requests: string[], origin: string): string[] {
  return requests.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin);
}
