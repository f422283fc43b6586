/**
 * The audit's worker-thread BundleHasher (verifier/audit/worker-hasher.ts), BUILT (the workers
 * load dist/verifier/audit/hasher.js; needs `npx tsc -p tsconfig.json` first): every answer is
 * hashFullBundle's for that bundle, with more requests in flight than the workers have slots,
 * spread over two workers and on the default one; other shapes are answered undefined; close ends it.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hashFullBundle, leafHashAt } from '../../verifier/audit/hasher.js';
import type { WorkerHasher } from '../../verifier/audit/worker-hasher.js';
import { REPO_ROOT } from '../helpers/log-process.js';

const { workerHasher } = (await import(pathToFileURL(join(REPO_ROOT, 'dist', 'verifier', 'audit', 'worker-hasher.js')).href)) as {
  workerHasher: (workers?: number) => WorkerHasher;
};

/** A full bundle of 256 random 41-byte entries and its level-0 tile. */
function fullBundle(): { bundle: Uint8Array; leaves: Uint8Array } {
  const bundle = new Uint8Array(256 * 43);
  const leaves = new Uint8Array(256 * 32);
  const entries = randomBytes(256 * 41);
  for (let k = 0; k < 256; k++) {
    bundle[43 * k] = 0;
    bundle[43 * k + 1] = 41;
    bundle.set(entries.subarray(41 * k, 41 * k + 41), 43 * k + 2);
    leafHashAt(bundle, 43 * k + 2, leaves, 32 * k);
  }
  return { bundle, leaves };
}

describe('workerHasher', () => {
  it('answers as hashFullBundle, in and beyond its slots, on two workers', async () => {
    const hasher = workerHasher(2);
    try {
      const cases = Array.from({ length: 150 }, (_, i) => {
        const c = fullBundle();
        if (i % 7 === 3) c.leaves[32 * (i % 256) + 5]! ^= 1; // a wrong leaf hash
        if (i % 11 === 4) c.bundle[43 * 200 + 1] = 40; // a wrong length prefix
        return c;
      });
      const answers = await Promise.all(cases.map((c) => hasher.hashBundle(c.bundle, c.leaves)));
      answers.forEach((a, i) => expect(a).toEqual(hashFullBundle(cases[i]!.bundle, cases[i]!.leaves)));
      expect(answers.filter((a) => a === undefined).length).toBe(cases.filter((_, i) => i % 7 === 3 || i % 11 === 4).length);
      // Views into larger buffers (as HTTP bodies are) are read at their offset.
      const c = fullBundle();
      const big = new Uint8Array(c.bundle.length + c.leaves.length + 100);
      big.set(c.bundle, 7);
      big.set(c.leaves, 7 + c.bundle.length);
      const viewed = await hasher.hashBundle(big.subarray(7, 7 + c.bundle.length), big.subarray(7 + c.bundle.length, 7 + c.bundle.length + c.leaves.length));
      expect(viewed).toEqual(hashFullBundle(c.bundle, c.leaves));
      // Another shape is not hashed there: the audit checks it itself.
      expect(await hasher.hashBundle(c.bundle.subarray(0, 43 * 255), c.leaves.subarray(0, 32 * 255))).toBeUndefined();
    } finally {
      await hasher.close();
    }
    await expect(hasher.hashBundle(fullBundle().bundle, fullBundle().leaves)).rejects.toThrow(/closed/);
  });

  it('answers as hashFullBundle on the one worker the CLI starts (the default)', async () => {
    const hasher = workerHasher();
    try {
      const cases = Array.from({ length: 80 }, (_, i) => {
        const c = fullBundle();
        if (i % 5 === 2) c.leaves[32 * (i % 256)]! ^= 0x80; // a wrong leaf hash
        return c;
      });
      const answers = await Promise.all(cases.map((c) => hasher.hashBundle(c.bundle, c.leaves)));
      answers.forEach((a, i) => expect(a).toEqual(hashFullBundle(cases[i]!.bundle, cases[i]!.leaves)));
      expect(answers.filter((a) => a === undefined).length).toBe(16);
    } finally {
      await hasher.close();
    }
  });
});
