/**
 * Every repeat is found at its index with the right earlier index, wherever the two entries
 * are — the same bundle, bundles apart, the partial last bundle, saved progress — with the
 * identity set's keys made weak (the last byte only), so that most identities meet candidates
 * the audit must tell apart (in place, from saved progress, or by reading a bundle again), with
 * and without a BundleHasher.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRunproofError } from '../../src/errors.js';
import { LogClient } from '../../verifier/log-client.js';
import { audit, type AuditOptions, type BundleHasher } from '../../verifier/audit/audit.js';
import { hashFullBundle } from '../../verifier/audit/hasher.js';
import { dirStateStore } from '../../verifier/audit/state-dir.js';
import { served, type FixtureOptions } from '../helpers/fixture-log.js';
import { weakKeys } from '../helpers/weak-keys.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const laterHasher: BundleHasher = {
  hashBundle: (bundle, leaves) => new Promise((resolve) => setImmediate(() => resolve(hashFullBundle(bundle, leaves)))),
};

async function outcome(opts: FixtureOptions, extra: Partial<AuditOptions>): Promise<unknown> {
  return served(opts, async (url, log) => {
    try {
      return await audit(new LogClient(url), { trust: { vkey: log.vkey }, concurrency: 4, ...extra });
    } catch (e) {
      if (isRunproofError(e)) return e;
      throw e;
    }
  });
}

describe('audit finds every repeat under colliding keys', () => {
  it('in one bundle, across bundles, in the partial bundle and against saved progress', async () => {
    const size = 700; // two full bundles and 188 entries
    const pairs: [number, number][] = [[0, 1], [0, 255], [255, 256], [256, 511], [511, 512], [0, 699], [600, 699], [100, 600], [257, 258]];
    for (const hasher of [undefined, laterHasher]) {
      for (const resumeAt of [0, 256]) {
        for (const duplicate of pairs) {
          if (duplicate[1] < resumeAt) continue;
          const dir = mkdtempSync(join(tmpdir(), 'runproof-repeats-'));
          dirs.push(dir);
          if (resumeAt > 0) expect(isRunproofError(await weakKeys(() => outcome({ size: resumeAt }, { state: dirStateStore(dir), saveEvery: 1 })))).toBe(false);
          const e = await weakKeys(() => outcome({ size, faults: { duplicate } }, { state: dirStateStore(dir), ...(hasher !== undefined ? { hasher } : {}) }));
          const label = JSON.stringify({ hasher: hasher !== undefined, resumeAt, duplicate });
          // Proven from the signed tree, also when the earlier entry is known only from saved progress.
          expect(e, label).toMatchObject({ code: 'AUDIT_FAILED', evidence: { index: duplicate[1], earlier: duplicate[0], proven: true } });
        }
      }
    }
  });
});
