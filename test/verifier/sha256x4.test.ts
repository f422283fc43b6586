/**
 * The audit's 4-lane WebAssembly SIMD SHA-256 (verifier/audit/sha256x4.ts) against node:crypto:
 * the FIPS 180-4 example messages and random messages of 0–3 blocks through the generic
 * compress4; leaf hashes of random bundle records (and a flipped bit anywhere is a mismatch in
 * its own lane only); node hashes for all 256 values of the right hash's last byte (the byte that
 * alone makes the second block) and folding a group onto itself; and hashFullBundle with WASM
 * against the JS path and a node:crypto Merkle root, on random bundles, bad leaves and bad records.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { hashesWithSimd, hashFullBundle, hashFullBundleJs } from '../../verifier/audit/hasher.js';
import { BUNDLE_AT, TILE_AT, WORK_AT, type Sha256x4, digest4, loadSha256x4 } from '../../verifier/audit/sha256x4.js';

const sha = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());
const x4 = loadSha256x4();

/** putGroup writes four 32-byte hashes into memory as a group (vector i = word i of each). */
function putGroup(m: Sha256x4, at: number, hashes: Uint8Array[]): void {
  const view = new DataView(m.memory.buffer);
  hashes.forEach((h, j) => {
    const hv = new DataView(h.buffer, h.byteOffset, 32);
    for (let i = 0; i < 8; i++) view.setUint32(at + 16 * i + 4 * j, hv.getUint32(4 * i), true);
  });
}

/** getGroup reads the four hashes of the group at `at`. */
function getGroup(m: Sha256x4, at: number): Uint8Array[] {
  const view = new DataView(m.memory.buffer);
  return [0, 1, 2, 3].map((j) => {
    const h = new Uint8Array(32);
    const hv = new DataView(h.buffer);
    for (let i = 0; i < 8; i++) hv.setUint32(4 * i, view.getUint32(at + 16 * i + 4 * j, true));
    return h;
  });
}

/** A full bundle of 256 random 41-byte entries, its level-0 tile and its Merkle root, all from node:crypto. */
function fullBundle(): { bundle: Uint8Array; leaves: Uint8Array; root: Uint8Array } {
  const bundle = new Uint8Array(256 * 43);
  const leaves = new Uint8Array(256 * 32);
  const entries = randomBytes(256 * 41);
  let level: Uint8Array[] = [];
  for (let k = 0; k < 256; k++) {
    bundle[43 * k + 1] = 41;
    bundle.set(entries.subarray(41 * k, 41 * k + 41), 43 * k + 2);
    const h = sha(Uint8Array.of(0), entries.subarray(41 * k, 41 * k + 41));
    leaves.set(h, 32 * k);
    level.push(h);
  }
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(sha(Uint8Array.of(1), level[i]!, level[i + 1]!));
    level = next;
  }
  return { bundle, leaves, root: level[0]! };
}

describe('sha256x4', () => {
  it('is available here (Node 20 has WebAssembly SIMD), and hashFullBundle uses it', () => {
    expect(x4).toBeDefined();
    expect(hashesWithSimd()).toBe(true);
  });

  it('is undefined where the module does not validate (no SIMD), so the JS path stays', () => {
    const spy = vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    try {
      expect(loadSha256x4()).toBeUndefined();
    } finally {
      spy.mockRestore();
    }
  });

  it('hashes the FIPS 180-4 example messages and random messages as node:crypto does', () => {
    const m = x4!;
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const abc = new TextEncoder().encode('abc');
    const two = new TextEncoder().encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq');
    // FIPS 180-4 / NIST CSRC examples: "abc" (one block), the 448-bit message (two blocks), and "".
    const [d1, d2] = digest4(m, [abc, new Uint8Array(0), abc, randomBytes(55)]);
    expect(hex(d1!)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(d2!)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const [d3] = digest4(m, [two, randomBytes(56), randomBytes(64), randomBytes(119)]);
    expect(hex(d3!)).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    // Lengths 0…183 (one to three blocks, every padding case), four different messages at a time.
    for (let len = 0; len < 184; len++) {
      // The lengths that pad to as many blocks as len: 64(n − 1) − 8 … 64n − 9.
      const n = Math.floor((len + 8) / 64) + 1;
      const low = Math.max(0, 64 * (n - 1) - 8);
      const other = () => low + Math.floor(Math.random() * (64 * n - 8 - low));
      const msgs = [len, other(), other(), other()].map((l) => randomBytes(l));
      const got = digest4(m, msgs);
      msgs.forEach((msg, j) => expect(got[j]).toEqual(sha(msg)));
    }
  });

  it('computes leaf hashes of four records and tells a mismatch in each lane apart', () => {
    const m = x4!;
    const mem = new Uint8Array(m.memory.buffer);
    for (let round = 0; round < 300; round++) {
      const records = new Uint8Array(4 * 43 + 43);
      const entries = Array.from({ length: 5 }, () => randomBytes(41));
      entries.forEach((e, j) => {
        records[43 * j + 1] = 41;
        records.set(e, 43 * j + 2);
      });
      const hashes = entries.slice(0, 4).map((e) => sha(Uint8Array.of(0), e));
      const tile = new Uint8Array(128);
      hashes.forEach((h, j) => tile.set(h, 32 * j));
      const src = BUNDLE_AT + (round % 50) * 43;
      mem.set(records, src);
      mem.set(tile, TILE_AT);
      expect(m.leaves4(src, TILE_AT, WORK_AT)).toBe(1);
      expect(getGroup(m, WORK_AT)).toEqual(hashes);
      // A flipped bit in an entry, or in a tile hash, is a mismatch.
      const j = round % 4;
      const bit = 1 << (round % 8);
      mem[src + 43 * j + 2 + (round % 41)]! ^= bit;
      expect(m.leaves4(src, TILE_AT, WORK_AT)).toBe(0);
      mem[src + 43 * j + 2 + (round % 41)]! ^= bit;
      mem[TILE_AT + 32 * j + (round % 32)]! ^= bit;
      expect(m.leaves4(src, TILE_AT, WORK_AT)).toBe(0);
      mem[TILE_AT + 32 * j + (round % 32)]! ^= bit;
      // The bytes around the records (length prefixes, the next record) are not part of the hash.
      mem[src]! ^= 0xff;
      mem[src + 43 * 4]! ^= 0xff;
      mem[src + 43 * 4 + 1]! ^= 0xff;
      expect(m.leaves4(src, TILE_AT, WORK_AT)).toBe(1);
    }
  });

  it('computes node hashes for every value of the last byte of the right hash', () => {
    const m = x4!;
    const A = WORK_AT;
    const B = WORK_AT + 128;
    for (let v = 0; v < 256; v += 4) {
      const a = Array.from({ length: 4 }, () => randomBytes(32));
      const b = Array.from({ length: 4 }, () => randomBytes(32));
      // The right hashes (lanes 1 and 3 of each group) end in v … v+3.
      a[1]![31] = v;
      a[3]![31] = v + 1;
      b[1]![31] = v + 2;
      b[3]![31] = v + 3;
      putGroup(m, A, a);
      putGroup(m, B, b);
      m.nodes4(A, B, A); // in place, as the fold does
      expect(getGroup(m, A)).toEqual([sha(Uint8Array.of(1), a[0]!, a[1]!), sha(Uint8Array.of(1), a[2]!, a[3]!), sha(Uint8Array.of(1), b[0]!, b[1]!), sha(Uint8Array.of(1), b[2]!, b[3]!)]);
    }
    // A group folded onto itself: the two nodes, twice; and then the root of the four.
    const g = Array.from({ length: 4 }, () => randomBytes(32));
    putGroup(m, A, g);
    m.nodes4(A, A, A);
    const n0 = sha(Uint8Array.of(1), g[0]!, g[1]!);
    const n1 = sha(Uint8Array.of(1), g[2]!, g[3]!);
    expect(getGroup(m, A)).toEqual([n0, n1, n0, n1]);
    m.nodes4(A, A, A);
    expect(getGroup(m, A)[0]).toEqual(sha(Uint8Array.of(1), n0, n1));
  });

  it('gives hashFullBundle the JS path’s answers and the node:crypto root', () => {
    for (let i = 0; i < 40; i++) {
      const { bundle, leaves, root } = fullBundle();
      expect(hashFullBundle(bundle, leaves)).toEqual(root);
      expect(hashFullBundleJs(bundle, leaves)).toEqual(root);
      // One bad leaf hash anywhere (or a bad entry) is undefined on both paths.
      const k = (i * 37) % 256;
      const badLeaves = leaves.slice();
      badLeaves[32 * k + (i % 32)]! ^= 1 << (i % 8);
      expect(hashFullBundle(bundle, badLeaves)).toBeUndefined();
      expect(hashFullBundleJs(bundle, badLeaves)).toBeUndefined();
      const badBundle = bundle.slice();
      badBundle[43 * k + 2 + (i % 41)]! ^= 1 << (i % 8);
      expect(hashFullBundle(badBundle, leaves)).toBeUndefined();
      expect(hashFullBundleJs(badBundle, leaves)).toBeUndefined();
      // A record whose length is not 41 is refused before hashing.
      const badLength = bundle.slice();
      badLength[43 * k + (i % 2)] = i % 2 === 0 ? 1 : 40;
      expect(hashFullBundle(badLength, leaves)).toBeUndefined();
      expect(hashFullBundleJs(badLength, leaves)).toBeUndefined();
    }
    // The first and last leaves (the edges of the copied bundle and tile), and other shapes.
    const { bundle, leaves, root } = fullBundle();
    for (const k of [0, 255]) {
      const bad = leaves.slice();
      bad[32 * k + 31]! ^= 0x80;
      expect(hashFullBundle(bundle, bad)).toBeUndefined();
    }
    expect(hashFullBundle(bundle.subarray(0, 43 * 255), leaves.subarray(0, 32 * 255))).toBeUndefined();
    expect(hashFullBundle(bundle, leaves.subarray(0, 32 * 255))).toBeUndefined();
    // Views into a larger buffer, as HTTP bodies and the workers' slots are.
    const big = new Uint8Array(bundle.length + leaves.length + 9);
    big.set(bundle, 5);
    big.set(leaves, 5 + bundle.length);
    expect(hashFullBundle(big.subarray(5, 5 + bundle.length), big.subarray(5 + bundle.length, 5 + bundle.length + leaves.length))).toEqual(root);
  });
});
