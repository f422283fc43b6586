/**
 * Issue #11, finding 1: no unsigned input creates evidence. An honest log whose tiles or bundles
 * arrive corrupted (one flipped byte, a short tile) between two checkpoints of different sizes
 * is "unproven" — reported with exit 3, retried, never a split view, never untrusted — and the
 * next clean round accepts it. Real contradictions (a rewritten history) are still caught.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { verifierKey } from '../../src/note/keys.js';
import { MemTree, tempDir, testSigner } from '../witness/helpers.js';
import { GrowingLog } from './growing-log.js';
import { kinds, monitorSlot, type MonitorSlot } from './helpers.js';

const logKey = testSigner('log.example/honest-but-garbled');
let tmp: ReturnType<typeof tempDir>;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(() => {
  tmp = tempDir();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  tmp.cleanup();
});

async function setup(): Promise<{ log: GrowingLog; m: ReturnType<MonitorSlot['start']>; peer: GrowingLog }> {
  const log = new GrowingLog(logKey, new MemTree('honest').append(1000));
  await log.listen();
  cleanups.push(() => log.close());
  log.publish();
  const s = await monitorSlot();
  cleanups.push(() => s.close());
  const m = s.start({ dbFile: join(tmp.dir, 'm.db'), logs: [{ url: log.url, vkey: verifierKey(logKey) }], evidenceDir: join(tmp.dir, 'evidence') });
  const first = await m.monitor.round();
  expect(first.exitCode, JSON.stringify(first.events)).toBe(0);
  log.tree.append(500);
  log.publish();
  return { log, m, peer: log };
}

const flipOne = (bytes: Uint8Array) => {
  const out = Uint8Array.from(bytes);
  out[out.length >> 1]! ^= 0x01;
  return out;
};

describe('an honest log seen through corrupted unsigned resources', () => {
  for (const [name, lie] of [
    ['a flipped byte in every hash tile', (path: string, b: Uint8Array) => (path.startsWith('/tile/entries/') ? undefined : flipOne(b))],
    ['short hash tiles', (path: string, b: Uint8Array) => (path.startsWith('/tile/entries/') ? undefined : b.subarray(0, b.length - 32))],
    ['a flipped byte in the entry bundles', (path: string, b: Uint8Array) => (path.startsWith('/tile/entries/') ? flipOne(b) : undefined)],
  ] as const) {
    it(`${name}: unproven (exit 3), no evidence, still trusted; accepted once the tiles are right`, async () => {
      const { log, m } = await setup();
      log.lie = lie;
      for (let round = 0; round < 2; round++) {
        const r = await m.monitor.round();
        expect(kinds(r.events), JSON.stringify(r.events)).toEqual(['unproven']);
        expect(r.exitCode).toBe(3);
        expect(m.monitor.status()[0]).toMatchObject({ trusted: true, size: 1000 });
      }
      expect(existsSync(join(tmp.dir, 'evidence')) ? readdirSync(join(tmp.dir, 'evidence')) : []).toEqual([]);
      log.lie = undefined;
      const healed = await m.monitor.round();
      expect(kinds(healed.events)).toEqual(['accepted']);
      expect(healed.exitCode).toBe(0);
      expect(m.monitor.status()[0]).toMatchObject({ trusted: true, size: 1500 });
    });
  }

  it('a history really rewritten under the monitor is still a split view with evidence', async () => {
    const { log, m } = await setup();
    log.rewrite(new MemTree('honest').append(999).fork(999, 'rewritten').append(501));
    log.publish();
    const r = await m.monitor.round();
    expect(r.exitCode).toBe(1);
    expect(kinds(r.events)).toEqual(['alert:split-view']);
  });
});
