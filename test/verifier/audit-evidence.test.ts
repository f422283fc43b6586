/**
 * Audit faults carry only signed evidence (verifier/audit/fault-evidence.ts). An entry-rule fault
 * seen in a served bundle is the log's only once the entries that show it are proven in the
 * signed tree: a log that really signed such a tree is AUDIT_FAILED with `proven: true` and
 * evidence that checks offline; an honest log whose server (or a man in the middle) doctors a
 * bundle is AUDIT_FAILED with `proven: false`, never accused of breaking its rules; proof tiles
 * that are not served do not keep a real fault unproven: the audit proves it from its own
 * recomputed tree, and fails with `proven: false` only if it cannot. The same for a bundle read
 * again to compare identities. Every log is served over loopback HTTP: a fixture log, and a hostile
 * server in front of it where one answer is doctored.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRunproofError, type RunproofError } from '../../src/errors.js';
import { fromBase64 } from '../../src/encoding/base64.js';
import { toHex } from '../../src/encoding/hex.js';
import { HASH_SIZE, leafHash } from '../../src/merkle/hash.js';
import { rootFromInclusionProof, verifyInclusion } from '../../src/merkle/proof.js';
import { TILE_WIDTH, entriesPath, hashFromTileRange, tilePath } from '../../src/merkle/tiles.js';
import { encodeBundle, parseBundle } from '../../src/merkle/bundle.js';
import { decodeEntry, encodeEntry, entryTime, ENTRY_IDENTITY_OFFSET, ENTRY_SIZE } from '../../src/note/entry.js';
import { openCheckpoint } from '../../src/note/checkpoint.js';
import { parseVerifierKey } from '../../src/note/keys.js';
import { LogClient } from '../../verifier/log-client.js';
import { audit, type AuditOptions, type BundleHasher } from '../../verifier/audit/audit.js';
import { hashFullBundle } from '../../verifier/audit/hasher.js';
import { dirStateStore } from '../../verifier/audit/state-dir.js';
import { served, type FixtureLog, type FixtureOptions } from '../helpers/fixture-log.js';
import { hostileLog, type HostileAnswer } from '../helpers/hostile-log.js';
import { weakKeys } from '../helpers/weak-keys.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A BundleHasher on this thread that answers a turn later, as a worker would. */
const laterHasher: BundleHasher = {
  hashBundle: (bundle, leaves) => new Promise((resolve) => setImmediate(() => resolve(hashFullBundle(bundle, leaves)))),
};

type Lie = (req: { path: string; count: number }) => HostileAnswer | undefined;

/**
 * auditError audits the fixture log of `opts`, through a hostile server that answers with
 * `lie(log)` where it returns an answer (`count`: how many times that path was asked, from 1),
 * and returns the error with the log.
 */
async function auditError(opts: FixtureOptions, lie?: (log: FixtureLog) => Lie, extra: Partial<AuditOptions> = {}): Promise<{ e: RunproofError; log: FixtureLog }> {
  return served(opts, async (upstream, log) => {
    const counts = new Map<string, number>();
    const answer = lie?.(log);
    const front = await hostileLog(upstream, ({ path }) => {
      const count = (counts.get(path) ?? 0) + 1;
      counts.set(path, count);
      return answer?.({ path, count });
    });
    try {
      await audit(new LogClient(front.url), { trust: { vkey: log.vkey }, concurrency: 4, ...extra });
    } catch (e) {
      if (isRunproofError(e)) return { e, log };
      throw e;
    } finally {
      await front.close();
    }
    throw new Error('audit passed a broken log');
  });
}

const octets = { 'content-type': 'application/octet-stream' };

/**
 * doctor answers bundle `b` (full) and its level-0 tile with entry `index` replaced by
 * `change(entry)`, the tile hashing the changed entry so that the bundle and its tile agree (a man
 * in the middle who knows tlog-tiles); every other tile, and the checkpoint, stay honest. With
 * `firstOnly` the doctored answers are given to the first request only.
 */
function doctor(index: number, change: (entry: Uint8Array, log: FixtureLog) => Uint8Array, firstOnly = false): (log: FixtureLog) => Lie {
  return (log) => {
    const b = Math.floor(index / TILE_WIDTH);
    const entries: Uint8Array[] = [];
    for (let i = b * TILE_WIDTH; i < (b + 1) * TILE_WIDTH; i++) entries.push(i === index ? change(log.entry(i).slice(), log) : log.entry(i));
    const bundle = encodeBundle(entries);
    const tile = new Uint8Array(TILE_WIDTH * HASH_SIZE);
    entries.forEach((e, k) => tile.set(leafHash(e), k * HASH_SIZE));
    return ({ path, count }) => {
      if (firstOnly && count > 1) return undefined;
      if (path === `/${entriesPath(b, TILE_WIDTH)}`) return { body: bundle, headers: octets };
      if (path === `/${tilePath({ level: 0, index: b, width: TILE_WIDTH })}`) return { body: tile, headers: octets };
      return undefined;
    };
  };
}

/** refuse answers `status` to every request for a hash tile at level ≥ 1 (which only the proofs read before the audit fails). */
const refuse = (status: number) => (): Lie => ({ path }) => (/^\/tile\/[1-9]/.test(path) ? { status, body: 'no\n' } : undefined);

/** both answers with the first of two lies that answers. */
const both = (a: (log: FixtureLog) => Lie, b: (log: FixtureLog) => Lie) => (log: FixtureLog): Lie => {
  const [x, y] = [a(log), b(log)];
  return (req) => x(req) ?? y(req);
};

/** Entry changes a lying server might make. */
const repeatOf = (earlier: number) => (e: Uint8Array, log: FixtureLog) => {
  e.set(log.entry(earlier).subarray(ENTRY_IDENTITY_OFFSET), ENTRY_IDENTITY_OFFSET);
  return e;
};
const timeBack = (e: Uint8Array) => encodeEntry({ ...decodeEntry(e), timestamp: entryTime(e, 0) - 5 });
const longer = (e: Uint8Array) => Uint8Array.of(...e, 0);

/**
 * checkOffline re-checks proven evidence with nothing but the evidence and the log's key: the
 * checkpoint's signature, each entry's inclusion proof against its root, and the rule broken.
 */
function checkOffline(e: RunproofError, vkey: string): void {
  const ev = e.evidence as { checkpoint: string; rule: string; entries: { index: number; entry: string; proof: string[] }[] };
  const { size, root } = openCheckpoint(ev.checkpoint, parseVerifierKey(vkey)).checkpoint;
  const bytes = ev.entries.map((x) => fromBase64(x.entry));
  ev.entries.forEach((x, i) => verifyInclusion(leafHash(bytes[i]!), x.index, size, x.proof.map((p) => fromBase64(p, HASH_SIZE)), root));
  const last = bytes[bytes.length - 1]!;
  if (ev.rule === 'duplicate-identity') {
    expect(ev.entries).toHaveLength(2);
    expect(toHex(last.subarray(ENTRY_IDENTITY_OFFSET))).toBe(toHex(bytes[0]!.subarray(ENTRY_IDENTITY_OFFSET)));
  } else if (ev.rule === 'time-decreased') {
    expect(ev.entries.map((x) => x.index)).toEqual([ev.entries[1]!.index - 1, ev.entries[1]!.index]);
    expect(entryTime(last, 0)).toBeLessThan(entryTime(bytes[0]!, 0));
  } else {
    expect(ev.rule).toBe('malformed');
    expect(last.length !== ENTRY_SIZE || last[0] !== 0x01).toBe(true);
  }
}

describe('an entry-rule fault the log really signed is proven', () => {
  const cases: [string, FixtureOptions['faults'] & object, number, number[]][] = [
    ['a repeat in the partial bundle of an entry bundles before', { duplicate: [12, 901] }, 901, [12, 901]],
    ['a repeat within one bundle', { duplicate: [300, 301] }, 301, [300, 301]],
    ['a time going back at the first entry of a bundle', { timeBackwards: 256 }, 256, [255, 256]],
    ['a time going back in the partial bundle', { timeBackwards: 950 }, 950, [949, 950]],
    ['an unknown entry type', { wrongType: 3 }, 3, [3]],
  ];
  for (const [name, faults, index, shown] of cases) {
    it(name, async () => {
      for (const extra of [{}, { hasher: laterHasher }]) {
        const { e, log } = await auditError({ size: 1_000, faults }, undefined, extra);
        expect(e.code).toBe('AUDIT_FAILED');
        expect(e.evidence).toMatchObject({ index, proven: true, checkpoint: log.checkpoint });
        expect((e.evidence?.['entries'] as { index: number }[]).map((x) => x.index)).toEqual(shown);
        expect(e.message).toMatch(/; proven: /);
        checkOffline(e, log.vkey);
      }
    });
  }

  it('a repeat of an entry whose bundle is read again under colliding keys', async () => {
    const { e, log } = await weakKeys(() => auditError({ size: 700, faults: { duplicate: [5, 600] } }));
    expect(e.evidence).toMatchObject({ index: 600, earlier: 5, proven: true });
    checkOffline(e, log.vkey);
  });
});

describe('an honest log whose server doctors a bundle is not accused of breaking its rules', () => {
  const cases: [string, (e: Uint8Array, log: FixtureLog) => Uint8Array, RegExp][] = [
    ['a repeated identity', repeatOf(12), /^entry 300: identity sha256:[0-9a-f]{64} was already logged at index 12, as served/],
    ['a time going back', timeBack, /^entry 300: time \d+ is before the previous entry's \d+, as served/],
    ['an entry of 42 bytes', longer, /^entry 300: entry is 42 bytes, want 41, as served/],
  ];
  for (const [name, change, seen] of cases) {
    it(name, async () => {
      for (const extra of [{}, { hasher: laterHasher }]) {
        const { e } = await auditError({ size: 1_000 }, doctor(300, change), extra);
        expect(e.code).toBe('AUDIT_FAILED');
        expect(e.message).toMatch(seen);
        expect(e.message).toMatch(/does not match the tree the checkpoint signs .*unproven, not evidence that the log broke its rules/);
        expect(e.evidence).toMatchObject({ index: 300, proven: false });
        // Entry 299 (the previous one, for a time) has the doctored leaf 300 as its sibling.
        expect(String(e.evidence?.['why'])).toMatch(/inclusion proof of entry (299|300) as served does not lead to the signed root/);
      }
    });
  }
});

describe('a fault that only saved progress shows is not held against the log', () => {
  // Saved progress is unsigned: its tile hashes are proven a prefix of the signed tree before
  // it is used, but its identities and last time are not. Proven entries that do not break the
  // rule mean the fault came from the progress, not from the log.
  const saved = async (edit: (dir: string, log: FixtureLog) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'runproof-evidence-'));
    dirs.push(dir);
    await served({ size: 512, stored: 1_000 }, async (url, log) => {
      await audit(new LogClient(url), { trust: { vkey: log.vkey }, state: dirStateStore(dir) });
      edit(dir, log);
    });
    return auditError({ size: 1_000 }, undefined, { state: dirStateStore(dir) });
  };

  it('a last time the entries do not have', async () => {
    const { e } = await saved((dir) => {
      const progress = JSON.parse(readFileSync(join(dir, 'progress.json'), 'utf8')) as { lastTime: number };
      writeFileSync(join(dir, 'progress.json'), JSON.stringify({ ...progress, lastTime: 2 ** 52 }));
    });
    expect(e.code).toBe('AUDIT_FAILED');
    expect(e.message).toMatch(/^entry 512: time \d+ is before the previous entry's 4503599627370496, as served; .*unproven/);
    expect(e.evidence).toMatchObject({ proven: false, why: 'the entries the signed tree holds there do not break this rule' });
  });

  it('an identity the entry at its position does not have', async () => {
    const { e } = await saved((dir, log) => {
      const ids = readFileSync(join(dir, 'identities.bin'));
      ids.set(log.entry(600).subarray(ENTRY_IDENTITY_OFFSET), 10 * HASH_SIZE);
      writeFileSync(join(dir, 'identities.bin'), ids);
    });
    expect(e.code).toBe('AUDIT_FAILED');
    expect(e.message).toMatch(/^entry 600: identity sha256:[0-9a-f]{64} was already logged at index 10, as served; .*unproven/);
    expect(e.evidence).toMatchObject({ proven: false, why: 'the entries the signed tree holds there do not break this rule' });
  });
});

describe('a fault the log really signed is proven from the audit\'s own tree when the log does not serve the proof tiles', () => {
  // A log could refuse exactly the requests a proof makes (the only ones for upper tiles during the
  // pass): the audit goes on over the bundles, recomputes the tree and builds the proofs from it.
  const cases: [string, FixtureOptions, number, number[]][] = [
    ['a repeat across bundles', { size: 1_000, faults: { duplicate: [12, 901] } }, 901, [12, 901]],
    ['a repeat across bundles, in a tree of three tile levels', { size: 70_000, faults: { duplicate: [100, 66_000] } }, 66_000, [100, 66_000]],
    ['a time going back at the first entry of a bundle', { size: 1_000, faults: { timeBackwards: 256 } }, 256, [255, 256]],
    ['a time going back at the first entry of a bundle, in a tree of three tile levels', { size: 70_000, faults: { timeBackwards: 65_536 } }, 65_536, [65_535, 65_536]],
    ['an unknown entry type', { size: 1_000, faults: { wrongType: 300 } }, 300, [300]],
    ['an unknown entry type in the partial bundle, in a tree of three tile levels', { size: 70_000, faults: { wrongType: 69_950 } }, 69_950, [69_950]],
  ];
  for (const [name, opts, index, shown] of cases) {
    it(name, async () => {
      for (const [status, extra] of [[404, {}], [503, { hasher: laterHasher }]] as const) {
        const { e, log } = await auditError(opts, refuse(status), extra);
        expect(e.code).toBe('AUDIT_FAILED');
        expect(e.evidence).toMatchObject({ index, proven: true, proofsFrom: 'recomputed tree', checkpoint: log.checkpoint });
        expect((e.evidence?.['entries'] as { index: number }[]).map((x) => x.index)).toEqual(shown);
        expect(e.message).toMatch(/; proven: /);
        // The proof tiles were asked for, and refused.
        expect(log.requests.some((p) => p.startsWith('/tile/1/'))).toBe(true);
        checkOffline(e, log.vkey);
      }
    });
  }

  it('with saved progress, none is saved past the fault: a resumed audit meets it again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runproof-evidence-'));
    dirs.push(dir);
    const opts = { size: 1_000, faults: { duplicate: [12, 600] as [number, number] } };
    for (let run = 0; run < 2; run++) {
      const { e, log } = await auditError(opts, refuse(404), { state: dirStateStore(dir), saveEvery: 1 });
      expect(e.evidence).toMatchObject({ index: 600, proven: true, proofsFrom: 'recomputed tree' });
      checkOffline(e, log.vkey);
      // Entry 600 is in bundle 2: bundles 0 and 1 are saved, nothing after.
      expect((JSON.parse(readFileSync(join(dir, 'progress.json'), 'utf8')) as { bundles: number }).bundles).toBe(2);
    }
  });
});

describe('proof tiles served wrong, or a level-0 tile the pending pass does not need refused, do not keep a real fault unproven', () => {
  // Serving garbage to the proof's requests is as easy for a log as refusing them; so is refusing
  // the level-0 tile of a bundle downloaded while the fault was being found.
  const garbage =
    (short: boolean) =>
    (): Lie =>
    ({ path }) => {
      const m = /^\/tile\/[1-9]\/[0-9x/]+?(?:\.p\/(\d+))?$/.exec(path);
      if (m === null) return undefined;
      return { body: new Uint8Array(short ? 1 : Number(m[1] ?? 256) * HASH_SIZE), headers: octets };
    };
  for (const short of [false, true]) {
    it(`${short ? 'malformed' : 'wrong'} upper tiles: proven from the recomputed tree`, async () => {
      const { e, log } = await auditError({ size: 1_000, faults: { duplicate: [12, 901] } }, garbage(short));
      expect(e.code).toBe('AUDIT_FAILED');
      expect(e.evidence).toMatchObject({ index: 901, proven: true, proofsFrom: 'recomputed tree' });
      checkOffline(e, log.vkey);
    });
  }

  it('a doctored bundle with wrong proof tiles stays unproven: the recomputed root is not the signed root', async () => {
    const { e } = await auditError({ size: 1_000 }, both(doctor(600, repeatOf(12)), garbage(false)));
    expect(e.code).toBe('AUDIT_FAILED');
    expect(e.evidence).toMatchObject({ proven: false });
    expect(String(e.evidence?.['why'])).toMatch(/could not be proven from the audit's own recomputed tree either: the root recomputed/);
  });

  it('a level-0 tile downloaded alongside the fault, refused: proven from the recomputed tree', async () => {
    for (const extra of [{}, { hasher: laterHasher }]) {
      const lie =
        (): Lie =>
        ({ path }) =>
          /^\/tile\/[1-9]/.test(path) || path === '/tile/0/002' ? { status: 404, body: 'no\n' } : undefined;
      const { e, log } = await auditError({ size: 1_000, faults: { wrongType: 300 } }, lie, extra);
      expect(e.evidence).toMatchObject({ index: 300, proven: true, proofsFrom: 'recomputed tree' });
      checkOffline(e, log.vkey);
    }
  });
});

describe('a fault whose proof the log does not serve, and that its own tree cannot prove either, is left unproven, and the audit still fails', () => {
  // Not UNAVAILABLE: a log that really broke a rule could refuse only the requests a proof makes.
  const notFromTree = /the log did not serve what would prove it: .*; and it could not be proven from the audit's own recomputed tree either: /;

  for (const status of [404, 503]) {
    it(`a later bundle not served (proof tiles answering ${status}): AUDIT_FAILED, proven: false, naming the fault and why`, async () => {
      const { e, log } = await auditError({ size: 1_000, faults: { duplicate: [12, 300], missingBundle: 2 } }, refuse(status));
      expect(e.code).toBe('AUDIT_FAILED');
      expect(e.message).toMatch(/^entry 300: identity sha256:[0-9a-f]{64} was already logged at index 12, as served; .*unproven, not evidence/);
      expect(e.message).toMatch(notFromTree);
      expect(e.evidence).toMatchObject({ index: 300, earlier: 12, rule: 'duplicate-identity', checkpoint: log.checkpoint, proven: false });
      expect(String(e.evidence?.['url'])).toMatch(/\/tile\/1\//);
      expect(String(e.evidence?.['why'])).toMatch(/the pass over the bundles after it did not complete: the log does not serve \S+\/tile\/entries\/002,/);
    });
  }

  it('a later bundle malformed: AUDIT_FAILED, proven: false', async () => {
    const { e } = await auditError({ size: 1_000, faults: { timeBackwards: 300, truncatedBundle: 2 } }, refuse(404));
    expect(e.code).toBe('AUDIT_FAILED');
    expect(e.message).toMatch(notFromTree);
    expect(e.evidence).toMatchObject({ index: 300, rule: 'time-decreased', proven: false });
    expect(String(e.evidence?.['why'])).toMatch(/the pass over the bundles after it did not complete: the log served a malformed resource: \S+\/tile\/entries\/002 is not 256 entries$/);
  });

  it('served bundles whose root is not the signed root: AUDIT_FAILED, proven: false', async () => {
    // An honest log whose bundle 1 and its tile are doctored in agreement to show a repeat.
    for (const extra of [{}, { hasher: laterHasher }]) {
      const { e } = await auditError({ size: 1_000 }, both(doctor(300, repeatOf(12)), refuse(503)), extra);
      expect(e.code).toBe('AUDIT_FAILED');
      expect(e.message).toMatch(notFromTree);
      expect(e.evidence).toMatchObject({ index: 300, proven: false });
      expect(String(e.evidence?.['why'])).toMatch(/the root recomputed from the bundles served is not the signed root$/);
    }
  });

  it('the earlier bundle, read again for the proof, not the bundle audited: AUDIT_FAILED, proven: false', async () => {
    // Bundle 0 is read for the pass, again to compare the identity, and a third time for the proof.
    const changed = (log: FixtureLog): Lie => {
      const entries = Array.from({ length: TILE_WIDTH }, (_, i) => (i === 40 ? timeBack(log.entry(i).slice()) : log.entry(i)));
      return ({ path, count }) => (path === `/${entriesPath(0, TILE_WIDTH)}` && count === 3 ? { body: encodeBundle(entries), headers: octets } : undefined);
    };
    // (A repeat in bundle 2: bundle 0 is not the one the audit still holds.)
    const { e } = await auditError({ size: 1_000, faults: { duplicate: [12, 600] } }, both(changed, refuse(404)));
    expect(e.code).toBe('AUDIT_FAILED');
    expect(e.message).toMatch(notFromTree);
    expect(e.evidence).toMatchObject({ index: 600, earlier: 12, proven: false });
    expect(String(e.evidence?.['why'])).toMatch(/bundle 0 as read for the proof is not the bundle audited$/);
  });

  it('a time going back at a bundle\'s first entry is proven without reading the previous bundle again, which the log could refuse', async () => {
    // The audit holds the bundle it checked last; reading it again would give the log a request
    // it can recognise and refuse.
    for (const lie of [undefined, refuse(404)]) {
      const { e, log } = await auditError({ size: 1_000, faults: { timeBackwards: 256, missingOnReread: 0 } }, lie);
      expect(e.code).toBe('AUDIT_FAILED');
      expect(e.evidence).toMatchObject({ index: 256, proven: true, rule: 'time-decreased' });
      expect((e.evidence?.['entries'] as { index: number }[]).map((x) => x.index)).toEqual([255, 256]);
      expect(log.requests.filter((p) => p === `/${entriesPath(0, TILE_WIDTH)}`)).toHaveLength(1);
      checkOffline(e, log.vkey);
    }
  });

  it('the earlier bundle of a repeat not served again: AUDIT_FAILED, proven: false, naming the fault', async () => {
    const { e } = await weakKeys(() => auditError({ size: 1_000, faults: { duplicate: [12, 600], missingOnReread: 0 } }));
    expect(e.code).toBe('AUDIT_FAILED');
    expect(e.evidence).toMatchObject({ proven: false });
    expect(String(e.evidence?.['url'])).toMatch(/\/tile\/entries\/000$/);
  });
});

describe('a bundle read again that is not the bundle audited', () => {
  // Two unsigned answers for one bundle that disagree fail the audit, but are no evidence against
  // the log, whichever of them is the signed one: nothing signed says the log served the other.
  it('is unproven when the one read again is the changed one (a man in the middle on the re-read)', async () => {
    const { e } = await weakKeys(() => auditError({ size: 700, faults: { changedOnReread: 0 } }));
    expect(e.code).toBe('AUDIT_FAILED');
    expect(e.message).toMatch(/^bundle 0, read again .* is not the bundle audited, as served; but the served data does not match the tree the checkpoint signs .*unproven/);
    expect(e.evidence).toMatchObject({ proven: false, why: 'two answers for one bundle disagree, and neither is signed' });
    expect(typeof e.evidence?.['served']).toBe('string');
  });

  it('is unproven when the bundle audited was the doctored one and the one read again is honest', async () => {
    // Bundle 0 and its tile are doctored in agreement on their first request only: the audit
    // meets a candidate repeat in bundle 1, reads bundle 0 again and gets the honest one.
    const fresh = (e: Uint8Array) => {
      e[ENTRY_IDENTITY_OFFSET] = e[ENTRY_IDENTITY_OFFSET]! ^ 0xff;
      return e;
    };
    const { e } = await weakKeys(() => auditError({ size: 700 }, doctor(5, fresh, true)));
    expect(e.code).toBe('AUDIT_FAILED');
    expect(e.message).toMatch(/^bundle 0, read again .* is not the bundle audited, as served; .*unproven/);
    expect(e.evidence).toMatchObject({ proven: false });
  });

  it('needs no proof tiles to say so (it reads none)', async () => {
    const { e } = await weakKeys(() => auditError({ size: 700, faults: { changedOnReread: 0 } }, refuse(503)));
    expect(e.code).toBe('AUDIT_FAILED');
    expect(e.evidence).toMatchObject({ proven: false });
  });
});

describe('saved progress that would blame the log for its own values', () => {
  it('a real time going back is said from the proven entries, not from a saved last time', async () => {
    // The log really signed a time going back at entry 512; the saved last time was edited to a
    // value no entry has. The fault is proven, and its message and values are the entries' own.
    const dir = mkdtempSync(join(tmpdir(), 'runproof-evidence-'));
    dirs.push(dir);
    const faults = { timeBackwards: 512 };
    await served({ size: 512, stored: 1_000, faults }, async (url, log) => {
      await audit(new LogClient(url), { trust: { vkey: log.vkey }, state: dirStateStore(dir) });
    });
    const progress = JSON.parse(readFileSync(join(dir, 'progress.json'), 'utf8')) as { lastTime: number };
    writeFileSync(join(dir, 'progress.json'), JSON.stringify({ ...progress, lastTime: 2 ** 52 }));
    const { e, log } = await auditError({ size: 1_000, faults }, undefined, { state: dirStateStore(dir) });
    expect(e.code).toBe('AUDIT_FAILED');
    expect(e.evidence).toMatchObject({ index: 512, proven: true });
    expect(e.message).toMatch(/^entry 512: time \d+ is before the previous entry's \d+; proven: entries 511 and 512 /);
    expect(e.message).not.toContain(String(2 ** 52));
    expect(JSON.stringify(e.evidence)).not.toContain(String(2 ** 52));
    checkOffline(e, log.vkey);
  });

  it('progress of no bundle with a last time is refused, not taken for an entry before entry 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runproof-evidence-'));
    dirs.push(dir);
    await served({ size: 512, stored: 1_000 }, async (url, log) => {
      await audit(new LogClient(url), { trust: { vkey: log.vkey }, state: dirStateStore(dir) });
    });
    const progress = JSON.parse(readFileSync(join(dir, 'progress.json'), 'utf8')) as object;
    writeFileSync(join(dir, 'progress.json'), JSON.stringify({ ...progress, bundles: 0, lastTime: 2 ** 52 }));
    const { e } = await auditError({ size: 1_000 }, undefined, { state: dirStateStore(dir) });
    expect(e.code).toBe('MALFORMED_REQUEST');
    expect(e.message).toMatch(/saved audit progress is unusable \(last time 4503599627370496 without any bundle\)/);
  });
});
