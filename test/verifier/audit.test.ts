/**
 * The library audit (verifier/audit/audit.ts) against fixture logs served over loopback HTTP:
 * the honest log passes (also gzip bundles, partial tiles gone, resumed from saved state), and
 * every deliberate fault is caught with the right code and evidence.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRunproofError, type RunproofError } from '../../src/errors.js';
import { LogClient } from '../../verifier/log-client.js';
import { audit, type AuditOptions, type BundleHasher } from '../../verifier/audit/audit.js';
import { hashFullBundle } from '../../verifier/audit/hasher.js';
import { pipelinedGet } from '../../verifier/audit/pipelined-get.js';
import { dirStateStore } from '../../verifier/audit/state-dir.js';
import { IdentitySet } from '../../verifier/audit/identity-set.js';
import { appendFileSync, readFileSync } from 'node:fs';
import { parsePolicy } from '../../src/note/policy.js';
import { verifierKey } from '../../src/note/keys.js';
import { served, testWitness, type FixtureOptions } from '../helpers/fixture-log.js';
import { weakKeys } from '../helpers/weak-keys.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function withLog<T>(opts: FixtureOptions, f: (url: string, vkey: string, requests: string[]) => Promise<T>): Promise<T> {
  return served(opts, (url, log) => f(url, log.vkey, log.requests));
}

/** A BundleHasher on this thread that answers a turn later, as a worker would. */
const laterHasher: BundleHasher = {
  hashBundle: (bundle, leaves) => new Promise((resolve) => setImmediate(() => resolve(hashFullBundle(bundle, leaves)))),
};

async function auditError(opts: FixtureOptions, extra: Partial<AuditOptions> = {}): Promise<RunproofError> {
  return withLog(opts, async (url, vkey) => {
    try {
      await audit(new LogClient(url), { trust: { vkey }, concurrency: 4, ...extra });
    } catch (e) {
      if (isRunproofError(e)) return e;
      throw e;
    }
    throw new Error('audit passed a broken log');
  });
}

describe('audit of an honest log', () => {
  it('verifies every entry and tile of a multi-level tree', async () => {
    // 70,000 entries: 273 full level-0 tiles and a partial one, a full and a partial level-1 tile, a level-2 tile.
    const report = await withLog({ size: 70_000 }, (url, vkey) => audit(new LogClient(url), { trust: { vkey } }));
    expect(report).toMatchObject({ size: 70_000, resumedFrom: 0, bundlesFetched: 274, tilesFetched: 274 + 2 + 1, firstTime: 1_760_000_000_000, lastTime: 1_760_000_069_999 });
  });

  it('gives the same report with a bundle hasher and over the pipelined GET', async () => {
    const reports = await withLog({ size: 70_000 }, async (url, vkey) => [
      await audit(new LogClient(url), { trust: { vkey } }),
      await audit(new LogClient(url), { trust: { vkey }, hasher: laterHasher, concurrency: 3 }),
      await audit(new LogClient(url, { getBytes: pipelinedGet({ connections: 2, depth: 8 }), gzip: false }), { trust: { vkey }, hasher: laterHasher }),
    ]);
    expect(reports[1]).toEqual(reports[0]);
    expect(reports[2]).toEqual(reports[0]);
    for (const gzip of ['header', 'raw'] as const) {
      const report = await withLog({ size: 600, gzip }, (url, vkey) => audit(new LogClient(url, { getBytes: pipelinedGet() }), { trust: { vkey }, hasher: laterHasher }));
      expect(report.size).toBe(600);
    }
  });

  it('handles the empty tree, one entry and exactly one full tile', async () => {
    for (const size of [0, 1, 256, 257]) {
      const report = await withLog({ size }, (url, vkey) => audit(new LogClient(url), { trust: { vkey } }));
      expect(report.size).toBe(size);
    }
  });

  it('reads gzip bundles, with Content-Encoding and as raw .gz bytes', async () => {
    for (const gzip of ['header', 'raw'] as const) {
      // A client that does not ask for gzip (the CLI's default) still decodes what it is sent.
      for (const ask of [true, false]) {
        const report = await withLog({ size: 600, gzip }, (url, vkey) => audit(new LogClient(url, { gzip: ask }), { trust: { vkey } }));
        expect(report.size).toBe(600);
      }
    }
  });

  it('falls back to full tiles and bundles when the partial ones are gone', async () => {
    // Checkpoint at 812 = 3·256 + 44; the log has since stored 4 full tiles.
    await withLog({ size: 812, stored: 4 * 256, partials404: true }, async (url, vkey, requests) => {
      const report = await audit(new LogClient(url), { trust: { vkey } });
      expect(report.size).toBe(812);
      for (const path of ['/tile/0/003.p/44', '/tile/0/003', '/tile/entries/003.p/44', '/tile/entries/003']) expect(requests).toContain(path);
    });
  });

  it('resumes from a state directory and still checks the whole tree', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runproof-audit-'));
    dirs.push(dir);
    await withLog({ size: 5_000, history: [] }, async (url, vkey) => {
      const first = await audit(new LogClient(url), { trust: { vkey }, state: dirStateStore(dir), saveEvery: 4 });
      expect(first.resumedFrom).toBe(0);
    });
    // The log grew; the second run downloads only what is new.
    await withLog({ size: 9_000 }, async (url, vkey) => {
      const second = await audit(new LogClient(url), { trust: { vkey }, state: dirStateStore(dir) });
      expect(second.resumedFrom).toBe(19 * 256);
      expect(second.bundlesFetched).toBe(Math.ceil(9_000 / 256) - 19);
    });
    // A log whose early entries differ from the saved progress (signed honestly, under the same
    // key) does not prove the progress part of its tree: it is discarded and the log audited anew.
    await withLog({ size: 9_000, rewriteAt: 10 }, async (url, vkey) => {
      const third = await audit(new LogClient(url), { trust: { vkey }, state: dirStateStore(dir) });
      expect(third).toMatchObject({ resumedFrom: 0, bundlesFetched: Math.ceil(9_000 / 256) });
      expect(third.progressDiscarded).toMatch(/not a prefix of the signed tree/);
    });
  });

  it('after resuming, finds a repeat of an identity from the saved progress (also when keys collide)', async () => {
    // Two bytes of key: a few hundred identities in 4,000 share one with an earlier one.
    for (const keys of [async <T>(f: () => Promise<T>) => f(), <T>(f: () => Promise<T>) => weakKeys(f, 2)]) {
      const dir = mkdtempSync(join(tmpdir(), 'runproof-audit-'));
      dirs.push(dir);
      await keys(() => withLog({ size: 3_000, history: [] }, (url, vkey) => audit(new LogClient(url), { trust: { vkey }, state: dirStateStore(dir), saveEvery: 3 })));
      const e = await keys(() => auditError({ size: 4_000, faults: { duplicate: [1_000, 3_500] } }, { state: dirStateStore(dir) }));
      expect(e.code).toBe('AUDIT_FAILED');
      expect(e.evidence).toMatchObject({ index: 3_500, earlier: 1_000 });
      const clean = await keys(() => withLog({ size: 4_000 }, (url, vkey) => audit(new LogClient(url), { trust: { vkey }, state: dirStateStore(dir) })));
      expect(clean.resumedFrom).toBe(11 * 256);
    }
  });
});

describe('audit under a trust policy', () => {
  const w = testWitness('audit-witness.example');
  it('passes when the quorum is met and reports the witness; QUORUM_NOT_MET otherwise', async () => {
    await withLog({ size: 300, witnesses: [w], cosignTime: 1_760_000_900 }, async (url, vkey) => {
      const policy = parsePolicy(`log ${vkey}\nwitness W ${verifierKey(w)}\nquorum W\n`);
      const report = await audit(new LogClient(url), { trust: { policy } });
      expect(report.witnesses).toEqual([{ name: 'W', timestamp: 1_760_000_900_000 }]);
    });
    await withLog({ size: 300 }, async (url, vkey) => {
      const policy = parsePolicy(`log ${vkey}\nwitness W ${verifierKey(w)}\nquorum W\n`);
      await expect(audit(new LogClient(url), { trust: { policy } })).rejects.toMatchObject({ code: 'QUORUM_NOT_MET' });
    });
  });
});

describe('audit state directory', () => {
  it('ignores bytes of an interrupted append, and refuses state of another log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runproof-audit-'));
    dirs.push(dir);
    await withLog({ size: 2_000 }, (url, vkey) => audit(new LogClient(url), { trust: { vkey }, state: dirStateStore(dir) }));
    const saved = JSON.parse(readFileSync(join(dir, 'progress.json'), 'utf8')) as { bundles: number };
    expect(saved.bundles).toBe(7);
    appendFileSync(join(dir, 'identities.bin'), new Uint8Array(100)); // a crash mid-append
    appendFileSync(join(dir, 'tiles.bin'), new Uint8Array(7));
    const again = await withLog({ size: 2_000 }, (url, vkey) => audit(new LogClient(url), { trust: { vkey }, state: dirStateStore(dir) }));
    expect(again.resumedFrom).toBe(7 * 256);
    expect(readFileSync(join(dir, 'identities.bin')).length).toBe(7 * 256 * 32);
    await withLog({ size: 10, origin: 'other.example/log' }, (url, vkey) =>
      expect(audit(new LogClient(url), { trust: { vkey }, state: dirStateStore(dir) })).rejects.toSatisfy((e) => isRunproofError(e, 'MALFORMED_REQUEST')),
    );
  });
});

describe('audit catches each fault', () => {
  const size = 1_000;
  const cases: [string, FixtureOptions['faults'] & object, string, number | undefined][] = [
    ['a changed entry', { entryChanged: 517 }, 'AUDIT_FAILED', 517],
    ['a changed leaf hash', { leafHashChanged: 300 }, 'AUDIT_FAILED', 300],
    ['a changed interior hash', { interiorHashChanged: { level: 1, index: 2 } }, 'AUDIT_FAILED', 512],
    ['a root that does not match', { rootMismatch: true }, 'AUDIT_FAILED', undefined],
    ['a time going backwards', { timeBackwards: 700 }, 'AUDIT_FAILED', 700],
    ['an identity logged twice', { duplicate: [12, 901] }, 'AUDIT_FAILED', 901],
    ['an unknown entry type', { wrongType: 3 }, 'AUDIT_FAILED', 3],
    ['a truncated bundle', { truncatedBundle: 1 }, 'AUDIT_FAILED', 511],
    ['a corrupted log signature', { badSignature: true }, 'INVALID_SIGNATURE', undefined],
    ['a missing log signature', { missingSignature: true }, 'NO_VERIFIED_SIGNATURE', undefined],
    ['a wrong origin', { wrongOrigin: true }, 'ORIGIN_MISMATCH', undefined],
  ];
  for (const [name, faults, code, index] of cases) {
    it(name, async () => {
      const e = await auditError({ size, faults });
      expect(e.code).toBe(code);
      if (index !== undefined) expect(e.evidence?.index).toBe(index);
      // The same first fault, word for word, when full bundles are hashed apart from the checks.
      const h = await auditError({ size, faults }, { hasher: laterHasher });
      const same = (x: RunproofError) => JSON.stringify({ code: x.code, message: x.message, evidence: x.evidence }).replace(/127\.0\.0\.1:\d+/g, 'log'); // each run its own port
      expect(same(h)).toBe(same(e));
    });
  }

  it('a fault before a missing bundle is reported as the fault, with or without the hasher', async () => {
    // A lying log serves a bad entry, then makes the next bundle unavailable: the queued bundle
    // must still be checked before the download error surfaces.
    const faults = { entryChanged: 517, missingBundle: 3 };
    for (const extra of [{}, { hasher: laterHasher }]) {
      const e = await auditError({ size, faults }, extra);
      expect(e.code).toBe('AUDIT_FAILED');
      expect(e.evidence?.index).toBe(517);
    }
    // And the missing bundle alone is UNAVAILABLE.
    expect((await auditError({ size, faults: { missingBundle: 3 } }, { hasher: laterHasher })).code).toMatch(/^(UNAVAILABLE|UNREACHABLE)$/);
  });

  it('the duplicate names the earlier index; the root mismatch carries the checkpoint', async () => {
    expect((await auditError({ size, faults: { duplicate: [12, 901] } })).evidence?.earlier).toBe(12);
    const root = await auditError({ size, faults: { rootMismatch: true } });
    expect(typeof root.evidence?.checkpoint).toBe('string');
    expect(root.evidence?.expected).not.toBe(root.evidence?.found);
  });

  it('tells identities that share a key apart by reading the earlier bundle again, and catches a log that serves it changed', async () => {
    const size = 700;
    const plain = await withLog({ size }, (url, vkey) => audit(new LogClient(url), { trust: { vkey } }));
    const weak = await weakKeys(() => withLog({ size }, (url, vkey) => audit(new LogClient(url), { trust: { vkey } })));
    expect(weak.root).toBe(plain.root);
    expect(weak.bundlesFetched).toBeGreaterThan(plain.bundlesFetched); // earlier bundles read again
    // A repeat among all those candidates is the same fault, word for word.
    const same = (x: RunproofError) => JSON.stringify({ code: x.code, message: x.message, evidence: x.evidence }).replace(/127\.0\.0\.1:\d+/g, 'log');
    for (const duplicate of [[12, 601], [300, 301], [5, 200]] as [number, number][]) {
      const e = await auditError({ size, faults: { duplicate } });
      const w = await weakKeys(() => auditError({ size, faults: { duplicate } }, { hasher: laterHasher }));
      expect(same(w)).toBe(same(e));
      expect(w.evidence?.earlier).toBe(duplicate[0]);
    }
    // A log serving bundle 0 differently when it is read again is caught, with the tile hash audited.
    const changed = await weakKeys(() => auditError({ size, faults: { changedOnReread: 0 } }));
    expect(changed.code).toBe('AUDIT_FAILED');
    expect(changed.message).toMatch(/bundle 0, read again .* is not the bundle audited/);
    expect(changed.evidence?.expected).not.toBe(changed.evidence?.found);
  });

  it('an unreachable log is UNREACHABLE', async () => {
    const { url, vkey } = await withLog({ size: 1 }, async (u, k) => ({ url: u, vkey: k }));
    await expect(audit(new LogClient(url), { trust: { vkey } })).rejects.toMatchObject({ code: 'UNREACHABLE' });
  });
});

describe('IdentitySet', () => {
  it('reports exactly the repeats when keys collide, with candidates told apart by the caller', async () => {
    // Reference: a Map of the identities' hex. Identities differ only in a few bytes (crafted)
    // or at random, with repeats, across growth; with weak keys every add meets candidates.
    for (const weak of [false, true]) {
      const run = () => {
        const set = new IdentitySet(weak ? 16 : 1024);
        const seen = new Map<string, number>();
        const stored: Uint8Array[] = [];
        const id = (i: number) => {
          const b = new Uint8Array(32).fill(0x5a);
          if (i % 3 === 0) b.set(randomBytes(32));
          else b[i % 32] = i % 251; // many share all but one byte
          b[31] = i % 7;
          return b;
        };
        for (let i = 0; i < (weak ? 1000 : 3000); i++) {
          const b = i % 10 === 9 ? stored[(i * 7919) % stored.length]! : id(i); // every tenth a repeat
          const hex = Buffer.from(b).toString('hex');
          const distinct: number[] = [];
          let p = set.add(b, 0, distinct);
          while (p >= 0 && Buffer.from(stored[p]!).toString('hex') !== hex) {
            distinct.push(p);
            p = set.add(b, 0, distinct);
          }
          expect(p).toBe(seen.get(hex) ?? -1);
          if (p < 0) {
            seen.set(hex, stored.length);
            stored.push(b);
          }
        }
        expect(set.size).toBe(seen.size);
      };
      if (weak) await weakKeys(async () => run());
      else run();
    }
  });

  it('reports the first position of a repeat, across growth', () => {
    const set = new IdentitySet();
    const id = (i: number) => {
      const b = new Uint8Array(32);
      b[0] = i % 7; // many equal first bytes: collisions in the key must be resolved by full comparison
      b[31] = i % 256;
      b[30] = Math.floor(i / 256);
      return b;
    };
    for (let i = 0; i < 5000; i++) expect(set.add(id(i), 0)).toBe(-1);
    expect(set.add(id(4321), 0)).toBe(4321);
    expect(set.size).toBe(5000);
  });

  it('stays fast on digests crafted to share chosen bits (no quadratic probing)', () => {
    // Anyone may submit bare identities, so a log can hold digests chosen to collide on any
    // fixed bits. Indexed by the first four bytes, the first pattern would probe ~10,000 slots
    // per digest; a multilinear key mod 2^32 is defeated by the second (only the top two bits
    // of each 32-bit word vary, so its top bits take 4 values whatever the multipliers).
    const patterns: [string, (i: number) => Uint8Array][] = [
      ['bytes 28..31', (i) => {
        const b = new Uint8Array(32).fill(0xab);
        new DataView(b.buffer).setUint32(28, i);
        return b;
      }],
      ['bytes 0..3', (i) => {
        const b = new Uint8Array(32).fill(0xab);
        new DataView(b.buffer).setUint32(0, i);
        return b;
      }],
      ['top 2 bits of each word', (i) => {
        const b = new Uint8Array(32).fill(0x15);
        for (let w = 0; w < 8; w++) b[4 * w] = 0x15 | (Math.floor(i / 4 ** w) % 4) * 64;
        return b;
      }],
      ['one bit per byte', (i) => {
        const b = new Uint8Array(32);
        for (let k = 0; k < 15; k++) b[2 * k] = Math.floor(i / 2 ** k) % 2;
        return b;
      }],
    ];
    for (const [what, id] of patterns) {
      const set = new IdentitySet();
      for (let i = 0; i < 20_000; i++) expect(set.add(id(i), 0), what).toBe(-1);
      expect(set.add(id(12_345), 0)).toBe(12_345);
      // A fixed index would put all 20,000 in one run of slots (a probe of ~20,000). Tabulation
      // keys are random, not uniform: the last pattern makes them GF(2)-linear in 15 input bits,
      // so the top bits sometimes lose rank and digests pair up into clusters — measured over
      // 3,000 sets, longest probe median 6, p95 32–114, max 1,702 (a bound of 100 failed ~1 run
      // in 300). 4,000 stays far from the quadratic case and clear of that tail.
      expect(set.longestProbe, what).toBeLessThan(4_000);
    }
  });

  it('gives the same answers with keys prefetched, across growth and for other arrays and offsets', () => {
    const n = 3000;
    const record = 43;
    const bundle = new Uint8Array(randomBytes(record * n));
    for (let i = 0; i < n; i += 17) bundle.copyWithin(i * record + 11, ((i * 7) % (i + 1)) * record + 11, ((i * 7) % (i + 1)) * record + 43); // repeats
    const plain = new IdentitySet(16);
    const pre = new IdentitySet(16); // grows while prefetched keys are in use
    for (let from = 0; from < n; from += 256) {
      const count = Math.min(256, n - from);
      pre.prefetch(bundle, from * record + 11, record, count);
      for (let i = from; i < from + count; i++) {
        expect(pre.add(bundle, i * record + 11)).toBe(plain.add(bundle, i * record + 11));
        // Another array with the same bytes, and an offset between the prefetched ones: keys of their own.
        const copy = bundle.slice(i * record + 11, i * record + 43);
        expect(pre.add(copy, 0)).toBe(plain.add(copy, 0));
        expect(pre.add(bundle, i * record + 12)).toBe(plain.add(bundle, i * record + 12));
      }
      pre.endPrefetch();
    }
    expect(pre.size).toBe(plain.size);
  });

  it('finds repeats of identities on both sides of a chunk of first words (2^20 identities)', () => {
    // The first words are kept in chunks of 2^20; a candidate confirms its first word there.
    // Chunk 0 starts at the expected size and doubles: from a power of two that reaches 2^20
    // exactly, from 3,000 it must be cut at 2^20.
    const n = 2 ** 20 + 50_000;
    const ids = new Uint8Array(randomBytes(32 * n));
    for (const expected of [16, 3000]) {
      const set = new IdentitySet(expected);
      let candidates = 0;
      for (let i = 0; i < n; i++) if (set.add(ids, 32 * i) !== -1) candidates++; // one expect per add would take seconds
      expect(candidates).toBe(0);
      for (const i of [0, 2 ** 20 - 1, 2 ** 20, 2 ** 20 + 1, n - 1]) expect(set.add(ids.slice(32 * i, 32 * i + 32), 0)).toBe(i);
      expect(set.size).toBe(n);
      // Random digests at most half a shard full probe a few dozen slots (measured 36–57); a
      // shard let fill up, or slots indexed by the shard's own bits, probe thousands.
      expect(set.longestProbe).toBeLessThan(1_000);
    }
  });

  it('refuses an expected size that is not a count', () => {
    for (const bad of [NaN, -1, 1.5, Infinity]) expect(() => new IdentitySet(bad)).toThrow(/not a count/);
  });

  it('gives the same answers when sized up front', () => {
    const ids = new Uint8Array(randomBytes(32 * 3000));
    for (const set of [new IdentitySet(), new IdentitySet(3000), new IdentitySet(0)]) {
      for (let i = 0; i < 3000; i++) expect(set.add(ids, 32 * i)).toBe(-1);
      for (const i of [0, 1, 1500, 2999]) expect(set.add(ids.slice(32 * i, 32 * i + 32), 0)).toBe(i);
      expect(set.size).toBe(3000);
    }
  });
});
