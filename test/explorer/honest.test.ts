/**
 * The explorer in real headless Chromium against the built `runproof-log serve` on loopback: every
 * verdict on an honest log (checkpoint, lookup verified / not found, a declaration's identity, a
 * duplicate key rejected with its code, an offline receipt), growth between polls checked with a
 * consistency proof, the log's own key labelled as not pinned, a narrow screen and the keyboard —
 * and no request ever leaves the log's origin. Screenshots go to test-artifacts/explorer/.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogProcess, type LogProcess } from '../helpers/log-process.js';
import { ARTIFACTS, foreignRequests, launchBrowser, verdictOf, type TestBrowser } from './browser.js';

const EXAMPLE = readFileSync(new URL('../vectors/declarations/example-2-declaration.json', import.meta.url)).toString();

/** A valid declaration, distinct per `i` (the salt differs). */
function declaration(i: number): string {
  const d = JSON.parse(EXAMPLE) as Record<string, unknown>;
  d['salt'] = `explorer_${String(i).padStart(14, '0')}`;
  return JSON.stringify(d);
}

interface Answer {
  identity: string;
  index: number;
  receipt: string;
}

async function submit(url: string, body: string): Promise<Answer> {
  const res = await fetch(`${url}/v1/declarations`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as Answer;
}

let log: LogProcess;
let browser: TestBrowser;
const answers: Answer[] = [];

beforeAll(async () => {
  log = await startLogProcess();
  try {
    for (let i = 0; i < 23; i++) answers.push(await submit(log.url, declaration(i)));
    browser = await launchBrowser();
  } catch (e) {
    await log.kill();
    log.cleanup();
    throw e;
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await log?.stop();
  log?.cleanup();
});

const pinned = () => `${log.url}/#vkey=${encodeURIComponent(log.vkey)}`;

describe('explorer on an honest log', () => {
  it('verifies the checkpoint against the pinned key and shows the tree', async () => {
    const page = await browser.newPage();
    await page.goto(pinned());
    expect(await verdictOf(page, 'checkpoint-status')).toBe('verified');
    expect(await page.getByTestId('tree-size').textContent()).toBe('23');
    await expect.poll(() => page.locator('#entries-rows tr').count()).toBe(10);
    await expect.poll(() => page.locator('#newest-entry').textContent()).toMatch(/entry 22, proven included/);
    await page.getByTestId('growth-chart').waitFor();
    expect(await page.getByTestId('trust-source').textContent()).toMatch(/Pinned by the link/);
    await browser.screenshot(page, 'honest-overview');
    await page.close();
  });

  it('looks identities up: verified with index and time, and not found', async () => {
    const page = await browser.newPage();
    await page.goto(`${pinned()}&identity=${answers[7]!.identity}`);
    expect(await verdictOf(page, 'verdict')).toBe('verified');
    expect(await page.getByTestId('verdict').textContent()).toMatch(/entry 7, logged \d{4}-\d\d-\d\d/);
    expect(await page.getByTestId('identity').textContent()).toBe(answers[7]!.identity);
    await browser.screenshot(page, 'honest-lookup-verified');

    const absent = `sha256:${'ab'.repeat(32)}`;
    await page.locator('#lookup-input').fill(absent);
    await page.locator('#lookup-input').press('Enter');
    expect(await verdictOf(page, 'verdict')).toBe('not-found');
    expect(await page.getByTestId('identity').textContent()).toBe(absent);

    await page.locator('#lookup-input').fill('sha256:1234');
    await page.locator('#lookup-input').press('Enter');
    expect(await verdictOf(page, 'verdict')).toBe('failed');
    expect(await page.getByTestId('verdict').locator('[data-testid="error-code"]').textContent()).toBe('IDENTITY_MALFORMED');
    await page.close();
  });

  it('computes a pasted declaration’s identity and finds it; rejects a duplicate key with its code and path', async () => {
    const page = await browser.newPage();
    await page.goto(pinned());
    await page.getByTestId('declaration-input').fill(declaration(12));
    await page.getByTestId('declaration-check').click();
    expect(await verdictOf(page, 'verdict')).toBe('verified');
    expect(await page.getByTestId('declaration-identity').textContent()).toBe(answers[12]!.identity);
    expect(await page.getByTestId('identity').textContent()).toBe(answers[12]!.identity);
    expect(await page.getByTestId('verdict').textContent()).toMatch(/entry 12,/);
    await browser.screenshot(page, 'honest-declaration-verified');

    await page.getByTestId('declaration-input').fill('{"schema":"run-declaration/v1","model":{"name":"a","name":"b"}}');
    await page.getByTestId('declaration-check').click();
    expect(await verdictOf(page, 'verdict')).toBe('failed');
    const error = page.getByTestId('declaration-error');
    expect(await error.locator('[data-testid="error-code"]').textContent()).toBe('JSON_DUPLICATE_KEY');
    expect(await error.textContent()).toContain('$.model');
    await browser.screenshot(page, 'honest-declaration-duplicate-key');
    await page.close();
  });

  it('checks a receipt offline, with and without its declaration; a tampered one fails', async () => {
    const page = await browser.newPage();
    await page.goto(pinned());
    expect(await verdictOf(page, 'checkpoint-status')).toBe('verified');
    const before = browser.requests.length;
    const a = answers[3]!;
    await page.locator('#receipt-file').setInputFiles({ name: 'run.tlog-proof', mimeType: 'text/plain', buffer: Buffer.from(a.receipt) });
    await page.locator('#receipt-declaration').setInputFiles({ name: 'run.json', mimeType: 'application/json', buffer: Buffer.from(declaration(3)) });
    await page.getByTestId('receipt-check').click();
    expect(await verdictOf(page, 'receipt-verdict')).toBe('verified');
    expect(await page.getByTestId('receipt-verdict').textContent()).toContain(`${a.identity} is entry 3`);
    await browser.screenshot(page, 'honest-receipt-verified');

    // The declaration of another run: the receipt is not for it.
    await page.locator('#receipt-declaration').setInputFiles({ name: 'other.json', mimeType: 'application/json', buffer: Buffer.from(declaration(4)) });
    await page.getByTestId('receipt-check').click();
    await expect.poll(() => page.getByTestId('receipt-verdict').getAttribute('data-verdict')).toBe('failed');
    expect(await page.getByTestId('receipt-verdict').locator('[data-testid="error-code"]').textContent()).toBe('ENTRY_MISMATCH');

    // A receipt whose inclusion path was altered.
    const lines = a.receipt.split('\n');
    const at = lines.findIndex((l) => l.startsWith('index ')) + 1;
    lines[at] = (lines[at]![0] === 'A' ? 'B' : 'A') + lines[at]!.slice(1);
    await page.locator('#receipt-declaration').setInputFiles([]);
    await page.locator('#receipt-file').setInputFiles({ name: 'bad.tlog-proof', mimeType: 'text/plain', buffer: Buffer.from(lines.join('\n')) });
    await page.getByTestId('receipt-check').click();
    await expect.poll(() => page.getByTestId('receipt-verdict').getAttribute('data-verdict')).toBe('failed');
    expect(await page.getByTestId('receipt-verdict').locator('[data-testid="error-code"]').textContent()).toBe('PROOF_FAILED');
    // Offline: the page fetched nothing for these checks (the poller may have read the checkpoint).
    expect(browser.requests.slice(before).filter((u) => !u.endsWith('/checkpoint'))).toEqual([]);
    await page.close();
  });

  it('follows the log as it grows, each new checkpoint proven consistent with the last', async () => {
    const page = await browser.newPage();
    await page.goto(`${pinned()}&poll=1`);
    expect(await verdictOf(page, 'checkpoint-status')).toBe('verified');
    const start = Number(await page.getByTestId('tree-size').textContent());
    const more = [await submit(log.url, declaration(100)), await submit(log.url, declaration(101))];
    await expect.poll(() => page.getByTestId('tree-size').textContent(), { timeout: 15_000 }).toBe(String(start + 2));
    expect(await page.getByTestId('checkpoint-status').getAttribute('data-verdict')).toBe('verified');
    await expect.poll(() => page.locator('#entries-rows tr').first().textContent()).toContain(more[1]!.identity);
    await page.close();
  });

  it('without a pinned key uses the log’s served key, labelled as not independently pinned', async () => {
    const page = await browser.newPage();
    await page.goto(`${log.url}/`);
    expect(await verdictOf(page, 'checkpoint-status')).toBe('verified');
    expect(await page.getByTestId('trust-source').textContent()).toMatch(/Not independently pinned/);
    expect(await page.getByTestId('checkpoint-status').textContent()).toMatch(/not independently pinned/);
    await browser.screenshot(page, 'honest-served-key');
    await page.close();
  });

  it('works on a narrow screen and by keyboard alone', async () => {
    const page = await browser.newPage({ width: 360, height: 780 });
    await page.goto(pinned());
    expect(await verdictOf(page, 'checkpoint-status')).toBe('verified');
    // No horizontal scrolling of the page itself.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    // Tab from the top reaches the lookup box (through the skip link, the log form and the trust summary).
    let focused = '';
    for (let i = 0; i < 12 && focused !== 'lookup-input'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.id ?? '');
    }
    expect(focused).toBe('lookup-input');
    await page.keyboard.type(answers[1]!.identity);
    await page.keyboard.press('Enter');
    expect(await verdictOf(page, 'verdict')).toBe('verified');
    await browser.screenshot(page, 'honest-narrow');
    await page.locator('#entries').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}/honest-narrow-entries.png` });
    await page.close();
  });

  it('sent no request outside the log’s origin, and the page is served with a strict CSP', async () => {
    expect(browser.requests.length).toBeGreaterThan(20);
    expect(foreignRequests(browser.requests, new URL(log.url).origin)).toEqual([]);
    const res = await fetch(`${log.url}/`);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';/);
    expect((await fetch(`${log.url}/explorer.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${log.url}/explorer.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });
});
