/**
 * The explorer against lying logs (fixture logs built with the core only, test/helpers/fixture-log.ts),
 * each explored from its own origin through a front server that serves the built page:
 * - a wrong hash tile: the checkpoint stays verified, the entry it touches "failed to verify"
 *   (an unsigned tile is unproven, not evidence);
 * - a checkpoint signed by another key than the pinned one: failed;
 * - a fork between two polls: failed loudly, both signed checkpoints offered as evidence.
 * Every request must stay on the page's origin.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIdentity } from '../../src/declaration/identity.js';
import { buildFixtureLog, type FixtureLog } from '../helpers/fixture-log.js';
import { foreignRequests, launchBrowser, recordRequests, verdictOf, type TestBrowser } from './browser.js';
import { serveExplorerFront, type FrontServer } from './explorer-server.js';

/** The identity the fixture logs at index i (test/helpers/fixture-log.ts). */
const fixtureIdentity = (i: number) => formatIdentity(sha256(new TextEncoder().encode(`fixture identity ${i}`)));

let browser: TestBrowser;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  for (const close of closers.splice(0)) await close();
  await browser?.close();
});

/** explore serves `logs[0]` (switchable to the others) behind the explorer and returns the front. */
async function explore(...logs: FixtureLog[]): Promise<{ front: FrontServer; backends: string[] }> {
  const backends: string[] = [];
  for (const log of logs) {
    const s = await log.listen();
    closers.push(s.close);
    backends.push(s.url);
  }
  const front = await serveExplorerFront(backends[0]!);
  closers.push(front.close);
  return { front, backends };
}

const link = (front: FrontServer, log: FixtureLog, extra = '') => `${front.url}/#vkey=${encodeURIComponent(log.vkey)}${extra}`;

describe('explorer on a lying log', () => {
  it('a wrong hash tile: the checkpoint verifies, the entry the tile touches fails to verify', async () => {
    // Entry 41's inclusion proof starts with the leaf hash of its sibling, entry 40.
    const log = buildFixtureLog({ size: 300, faults: { leafHashChanged: 40 } });
    const { front } = await explore(log);
    const page = await browser.newPage();
    const seen = recordRequests(page);
    await page.goto(link(front, log, `&identity=${fixtureIdentity(41)}`));
    expect(await verdictOf(page, 'checkpoint-status')).toBe('verified');
    expect(await verdictOf(page, 'verdict')).toBe('failed');
    expect(await page.getByTestId('verdict').locator('[data-testid="error-code"]').textContent()).toBe('PROOF_FAILED');
    expect(await page.getByTestId('verdict').textContent()).toMatch(/Failed to verify/);
    // An entry whose proof does not use the bad tile's first 128 hashes (its path climbs through the
    // level-1 tile's hash of entries 0–255) still verifies.
    await page.locator('#lookup-input').fill(fixtureIdentity(260));
    await page.locator('#lookup-input').press('Enter');
    expect(await verdictOf(page, 'verdict')).toBe('verified');
    expect(await page.getByTestId('verdict').textContent()).toMatch(/entry 260,/);
    await page.locator('#lookup-input').fill(fixtureIdentity(41));
    await page.locator('#lookup-input').press('Enter');
    expect(await verdictOf(page, 'verdict')).toBe('failed');
    await browser.screenshot(page, 'lying-wrong-tile');
    expect(seen.length).toBeGreaterThan(3);
    expect(foreignRequests(seen, front.url)).toEqual([]);
    await page.close();
  });

  it('a checkpoint signed by another key than the pinned one: failed', async () => {
    const honest = buildFixtureLog({ size: 50 });
    const impostor = buildFixtureLog({ size: 50, faults: { missingSignature: true } });
    const { front } = await explore(impostor);
    const page = await browser.newPage();
    const seen = recordRequests(page);
    await page.goto(link(front, honest, `&identity=${fixtureIdentity(3)}`));
    expect(await verdictOf(page, 'checkpoint-status')).toBe('failed');
    expect(await page.getByTestId('checkpoint-status').locator('[data-testid="error-code"]').textContent()).toBe('NO_VERIFIED_SIGNATURE');
    expect(await verdictOf(page, 'verdict')).toBe('failed');
    expect(await page.getByTestId('tree-size').count()).toBe(0);
    await browser.screenshot(page, 'lying-other-key');
    expect(seen.length).toBeGreaterThan(3);
    expect(foreignRequests(seen, front.url)).toEqual([]);
    await page.close();
  });

  it('a fork between polls: failed loudly, both signed checkpoints downloadable as evidence', async () => {
    const before = buildFixtureLog({ size: 300 });
    // The same log later: 600 entries, entry 5 rewritten after the size-300 checkpoint was signed.
    const after = buildFixtureLog({ size: 600, history: [300], rewriteAt: 5 });
    expect(after.historyCheckpoints[0]).toBe(before.checkpoint);
    const { front, backends } = await explore(before, after);
    const page = await browser.newPage();
    const seen = recordRequests(page);
    await page.goto(link(front, before, '&poll=1'));
    expect(await verdictOf(page, 'checkpoint-status')).toBe('verified');
    expect(await page.getByTestId('tree-size').textContent()).toBe('300');
    front.backend = backends[1]!;
    await expect.poll(() => page.getByTestId('checkpoint-status').getAttribute('data-verdict'), { timeout: 20_000 }).toBe('failed');
    expect(await page.getByTestId('checkpoint-status').textContent()).toMatch(/the log forked/);
    await page.locator('#checkpoint-alert').waitFor();
    // The proof from the new tree's tiles leads to its signed root but not to the old one: proven.
    expect(await page.locator('#checkpoint-alert').getAttribute('data-proven')).toBe('true');
    const evidence = async (id: string) => {
      const download = page.waitForEvent('download');
      await page.getByTestId(id).click();
      const file = await (await download).createReadStream();
      const chunks: Buffer[] = [];
      for await (const c of file) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    };
    expect(await evidence('evidence-old')).toBe(before.checkpoint);
    expect(await evidence('evidence-new')).toBe(after.checkpoint);
    // Once inconsistent, the page trusts nothing more from this log.
    await page.locator('#lookup-input').fill(fixtureIdentity(7));
    await page.locator('#lookup-input').press('Enter');
    expect(await verdictOf(page, 'verdict')).toBe('failed');
    expect(await page.getByTestId('verdict').locator('[data-testid="error-code"]').textContent()).toBe('INCONSISTENT_LOG');
    await browser.screenshot(page, 'lying-fork');
    expect(seen.length).toBeGreaterThan(3);
    expect(foreignRequests(seen, front.url)).toEqual([]);
    await page.close();
  });

  it('a wrong tile under a grown checkpoint: consistency unproven, not called a fork', async () => {
    const before = buildFixtureLog({ size: 300 });
    // An honest extension to 600 entries whose level-0 tile 1 serves a wrong hash for entry 310:
    // the consistency proof from 300 to 600 uses it, so it leads to neither signed root.
    const after = buildFixtureLog({ size: 600, history: [300], faults: { leafHashChanged: 310 } });
    const { front, backends } = await explore(before, after);
    const page = await browser.newPage();
    const seen = recordRequests(page);
    await page.goto(link(front, before, '&poll=1'));
    expect(await verdictOf(page, 'checkpoint-status')).toBe('verified');
    front.backend = backends[1]!;
    await expect.poll(() => page.getByTestId('checkpoint-status').getAttribute('data-verdict'), { timeout: 20_000 }).toBe('failed');
    expect(await page.getByTestId('checkpoint-status').textContent()).toMatch(/^Failed to verify/);
    expect(await page.locator('#checkpoint-alert').getAttribute('data-proven')).toBe('false');
    expect(await page.locator('#checkpoint-alert').textContent()).toMatch(/unproven rather than evidence of a fork/);
    await browser.screenshot(page, 'lying-unproven-consistency');
    expect(foreignRequests(seen, front.url)).toEqual([]);
    await page.close();
  });
});
