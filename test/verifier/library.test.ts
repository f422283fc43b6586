/**
 * The verifier library's own pieces: the entry point stays free of Node built-ins (so it runs in
 * browsers), LogClient's error contract and tile fallback, and the consistency helpers.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isRunproofError, type RunproofError } from '../../src/errors.js';
import { openCheckpoint } from '../../src/note/checkpoint.js';
import { parseVerifierKey, verifierKey } from '../../src/note/keys.js';
import { LogClient } from '../../verifier/log-client.js';
import { checkConsistency, proveConsistencyFromLog } from '../../verifier/consistency.js';
import { buildFixtureLog, served, testSigner } from '../helpers/fixture-log.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every module reachable from `entry` by relative imports, and every package it imports. */
function importGraph(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (files.includes(file)) continue;
    files.push(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/g)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) todo.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  }
  return { files, packages };
}

async function caught(p: Promise<unknown>): Promise<RunproofError> {
  try {
    await p;
  } catch (e) {
    if (isRunproofError(e)) return e;
    throw e;
  }
  throw new Error('expected a RunproofError');
}

describe('the library entry (package export ".")', () => {
  it('imports no Node built-in and no server package anywhere below it', () => {
    const { files, packages } = importGraph(join(ROOT, 'verifier', 'index.ts'));
    expect(files.length).toBeGreaterThan(10);
    expect([...packages].filter((p) => !p.startsWith('@noble/') && p !== 'canonicalize')).toEqual([]);
  });
});

describe('LogClient', () => {
  it('fetches the checkpoint, exact-size tiles and bundles', async () => {
    await served({ size: 300 }, async (url, log) => {
      const client = new LogClient(url + '/');
      expect(await client.checkpoint()).toBe(log.checkpoint);
      expect((await client.tile({ level: 0, index: 1, width: 44 })).length).toBe(44 * 32);
      expect((await client.entries(1, 44)).length).toBe(44 * 43);
    });
  });

  it('falls back from a gone partial tile to the full one, taking its prefix', async () => {
    await served({ size: 300, stored: 512, partials404: true }, async (url, log) => {
      const client = new LogClient(url);
      const tile = await client.tile({ level: 0, index: 1, width: 44 });
      expect(tile.length).toBe(44 * 32);
      expect(log.requests).toEqual(['/tile/0/001.p/44', '/tile/0/001']);
      const bundle = await client.entries(1, 44);
      expect(bundle.length).toBe(44 * 43);
      expect(bundle.subarray(2, 43)).toEqual(log.entry(256));
    });
  });

  it('maps failures to codes naming the URL: 404 NOT_FOUND, refused connection UNREACHABLE', async () => {
    await served({ size: 10 }, async (url) => {
      const client = new LogClient(url);
      const missing = await caught(client.tile({ level: 0, index: 5, width: 256 }));
      expect(missing.code).toBe('NOT_FOUND');
      expect(missing.message).toContain(`${url}/tile/0/005`);
      // The log has 10 leaves; asking for 9 gets a 404 (not published), asking a wider partial too.
      expect((await caught(client.tile({ level: 0, index: 0, width: 9 }))).code).toBe('NOT_FOUND');
    });
    const gone = await caught(new LogClient('http://127.0.0.1:9').checkpoint());
    expect(gone.code).toBe('UNREACHABLE');
    expect(gone.message).toContain('http://127.0.0.1:9/checkpoint');
    expect(() => new LogClient('ftp://example')).toThrow();
  });
});

describe('consistency helpers', () => {
  it('prove from tiles and check against both signed roots, in either order', async () => {
    await served({ size: 70_000, history: [1, 255, 256, 65_536, 69_999] }, async (url, log) => {
      const client = new LogClient(url);
      const vk = parseVerifierKey(log.vkey);
      const now = openCheckpoint(log.checkpoint, vk);
      for (const note of log.historyCheckpoints) {
        const old = openCheckpoint(note, vk);
        const proof = await proveConsistencyFromLog(client, old, now);
        checkConsistency(old, now, proof);
        checkConsistency(now, old, proof);
      }
    });
  });

  it('a rewritten history, or two roots for one size, is INCONSISTENT_LOG with evidence', async () => {
    await served({ size: 600, history: [300, 600], rewriteAt: 100 }, async (url, log) => {
      const vk = parseVerifierKey(log.vkey);
      const [old300, old600] = log.historyCheckpoints.map((n) => openCheckpoint(n, vk));
      const now = openCheckpoint(log.checkpoint, vk);
      const proof = await proveConsistencyFromLog(new LogClient(url), old300!, now);
      let e: unknown;
      try {
        checkConsistency(old300!, now, proof);
      } catch (err) {
        e = err;
      }
      expect(isRunproofError(e, 'INCONSISTENT_LOG')).toBe(true);
      expect((e as RunproofError).evidence).toMatchObject({ old: log.historyCheckpoints[0], new: log.checkpoint });
      expect(() => checkConsistency(old600!, now, [])).toThrow(expect.objectContaining({ code: 'INCONSISTENT_LOG' }));
    });
  });

  it('checkpoints of different logs are ORIGIN_MISMATCH', () => {
    const a = buildFixtureLog({ size: 5 });
    const b = buildFixtureLog({ size: 5, origin: 'other.example/log' });
    const cpA = openCheckpoint(a.checkpoint, parseVerifierKey(a.vkey));
    const cpB = openCheckpoint(b.checkpoint, parseVerifierKey(verifierKey(testSigner('other.example/log'))));
    expect(() => checkConsistency(cpA, cpB, [])).toThrow(expect.objectContaining({ code: 'ORIGIN_MISMATCH' }));
  });
});
