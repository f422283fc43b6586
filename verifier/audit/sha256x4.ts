/**
 * SHA-256 (FIPS 180-4 §6.2) of four independent messages at once, in WebAssembly SIMD: each
 * v128 holds one 32-bit word of each of four messages (lane j = message j), so one pass of the
 * 64 rounds hashes four blocks. {@link loadSha256x4} generates the module (with ./wasm-emit.ts;
 * no binary in the repository; ≈ 5 KB, a few ms), checks it with `WebAssembly.validate` and
 * instantiates it; where WebAssembly or its SIMD is missing it returns undefined and the audit
 * keeps its JS hashing (./hasher.ts).
 *
 * The module's functions, all on its one memory (addresses below):
 *   - `compress4()`: one block of each lane — the state (8 vectors) at STATE_AT, the 16 message
 *     words (16 vectors, already big-endian-decoded) at BLOCK_AT; leaves4 and nodes4 call it, and
 *     tests hash any message with it (digest4).
 *   - `leaves4(src, tile, out)`: the RFC 6962 leaf hashes SHA-256(0x00 ‖ entry) of the four
 *     bundle records (2-byte length, 41-byte entry) at `src`, compared with the four 32-byte
 *     hashes at `tile`; the hashes go to `out` as a group (below); returns 1 if all four match.
 *   - `nodes4(a, b, out)`: the node hashes SHA-256(0x01 ‖ l ‖ r) of the pairs (a0,a1), (a2,a3),
 *     (b0,b1), (b2,b3) of two groups, to the group at `out` (which may be `a`).
 * A *group* is four hashes as 8 vectors: vector i holds word i of hash 0…3 (128 bytes). A tile's
 * level folds group pairs into groups; once a level has a single group, `nodes4(g, g, g)` folds
 * it onto itself (lanes 2–3 then repeat lanes 0–1, and are ignored).
 *
 * Rotations are two shifts and an or (SIMD has no rotate). Message words are gathered lane by
 * lane with v128.load32_lane and byte-swapped with one i8x16.shuffle: ≈ 5 instructions a word
 * against ≈ 2,100 for the 64 rounds (measured: leaves4, gathering and comparing with the tile,
 * costs ≈ 5 % more than compress4 on words already in memory), so preparing them in JS cannot pay.
 */
import { IV, K } from '../../src/merkle/sha256-constants.js';
import { ENTRY_SIZE } from '../../src/note/entry.js';
import { FunctionBody, I32, V128, moduleBytes } from './wasm-emit.js';

/** A bundle record: the 2-byte big-endian length, then the entry. */
const RECORD = 2 + ENTRY_SIZE;
if (ENTRY_SIZE !== 41) throw new Error('sha256x4: leaves4 is written for 41-byte entries (one block with the prefix and pad)');
/** Bytes of a full bundle (256 records) and of a full level-0 tile. */
const BUNDLE_BYTES = 256 * RECORD;
const TILE_BYTES = 256 * 32;

/** Where the bundle is copied; `leaves4` reads 2 bytes past its end (the last record's word 10), still inside memory. */
export const BUNDLE_AT = 0;
/** Where the level-0 tile is copied. */
export const TILE_AT = 11264;
/** The 64 groups of the tile's hashes, folded in place level by level. */
export const WORK_AT = TILE_AT + TILE_BYTES;
/** compress4's state (8 vectors), its message block (16 vectors, then the schedule: 64 in all) and the round constants (64 splatted). */
export const STATE_AT = WORK_AT + TILE_BYTES;
export const BLOCK_AT = STATE_AT + 128;
const K_AT = BLOCK_AT + 64 * 16;
if (BUNDLE_AT + BUNDLE_BYTES + 2 > TILE_AT || K_AT + 64 * 16 > 65536) throw new Error('sha256x4: memory layout');

/** The exports of the module (see the file comment). */
export interface Sha256x4 {
  memory: WebAssembly.Memory;
  compress4(): void;
  leaves4(src: number, tile: number, out: number): number;
  nodes4(a: number, b: number, out: number): void;
}

/** i8x16.shuffle bytes that reverse the bytes of each 32-bit lane (big-endian ↔ little-endian words). */
const BSWAP = [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12];
/** i8x16.shuffle bytes of lanes 0 and 2 of a, then of b (the left halves of the pairs); and lanes 1 and 3 (the right halves). */
const EVEN_LANES = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
const ODD_LANES = [4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31];

/** splat pushes a vector of `word` in every lane. */
function splat(f: FunctionBody, word: number): void {
  f.v128Const([word, word, word, word]);
}

/** rotr pushes local `x` rotated right by `n` bits, lane-wise. */
function rotr(f: FunctionBody, x: number, n: number): void {
  f.localGet(x).i32Const(n).simd('i32x4.shr_u');
  f.localGet(x).i32Const(32 - n).simd('i32x4.shl');
  f.simd('v128.or');
}

/** bigSigma pushes Σ(x) = ROTR^r1 ⊕ ROTR^r2 ⊕ ROTR^r3 (FIPS 180-4 §4.1.2, (4.4) and (4.5)). */
function bigSigma(f: FunctionBody, x: number, r1: number, r2: number, r3: number): void {
  rotr(f, x, r1);
  rotr(f, x, r2);
  f.simd('v128.xor');
  rotr(f, x, r3);
  f.simd('v128.xor');
}

/** smallSigma pushes σ(x) = ROTR^r1 ⊕ ROTR^r2 ⊕ SHR^s (FIPS 180-4 §4.1.2, (4.6) and (4.7)). */
function smallSigma(f: FunctionBody, x: number, r1: number, r2: number, s: number): void {
  rotr(f, x, r1);
  rotr(f, x, r2);
  f.simd('v128.xor');
  f.localGet(x).i32Const(s).simd('i32x4.shr_u');
  f.simd('v128.xor');
}

/** The function index of compress4, which leaves4 and nodes4 call (its place in the module). */
const COMPRESS4 = 0;

/**
 * round emits one round (FIPS 180-4 §6.2.2 step 3) on the working variables `v` (locals a … h),
 * with K_t + W_t pushed by `kw`. No variable is moved: the new e goes into d's local and the new a
 * into h's, and the names shift by one; returns the new names (after 8 rounds, each is back in
 * its own local).
 */
function round(f: FunctionBody, v: readonly number[], t1: number, kw: () => void): number[] {
  const [a, b, c, d, e, ff, g, h] = v as [number, number, number, number, number, number, number, number];
  // T1 = h + Σ1(e) + Ch(e, f, g) + K_t + W_t; Ch(e, f, g) = bitselect(f, g, e).
  f.localGet(h);
  bigSigma(f, e, 6, 11, 25);
  f.simd('i32x4.add');
  f.localGet(ff).localGet(g).localGet(e).simd('v128.bitselect').simd('i32x4.add');
  kw();
  f.simd('i32x4.add').localSet(t1);
  // e ← d + T1, in d's local.
  f.localGet(d).localGet(t1).simd('i32x4.add').localSet(d);
  // a ← T1 + Σ0(a) + Maj(a, b, c), in h's local; Maj(a, b, c) = bitselect(c, b, a ⊕ b).
  f.localGet(t1);
  bigSigma(f, a, 2, 13, 22);
  f.simd('i32x4.add');
  f.localGet(c).localGet(b).localGet(a).localGet(b).simd('v128.xor').simd('v128.bitselect');
  f.simd('i32x4.add').localSet(h);
  return [h, a, b, c, d, e, ff, g];
}

/**
 * compress4 (see the file comment). Two loops over memory rather than straight-line code: the
 * message schedule W16…W63 is expanded after W0…W15 at BLOCK_AT, then the rounds run eight at a
 * time (the names of the working variables come back to their locals every eight rounds) with
 * W_t and K_t (splatted at K_AT) loaded from memory. The loads are cheap beside the vector
 * arithmetic, and the function stays small: quick to generate and compile in each worker.
 */
function compress4(): FunctionBody {
  const f = new FunctionBody([], []);
  const v = Array.from({ length: 8 }, () => f.local(V128));
  const x = f.local(V128);
  const t1 = f.local(V128);
  const p = f.local(I32);
  // W_t = σ1(W_{t-2}) + W_{t-7} + σ0(W_{t-15}) + W_{t-16} for t = 16 … 63, with p at W_{t-16}.
  f.i32Const(BLOCK_AT).localSet(p);
  f.loop();
  f.localGet(p);
  f.localGet(p).simdMemory('v128.load', 16 * 14).localSet(x);
  smallSigma(f, x, 17, 19, 10);
  f.localGet(p).simdMemory('v128.load', 16 * 9).simd('i32x4.add');
  f.localGet(p).simdMemory('v128.load', 16 * 1).localSet(x);
  smallSigma(f, x, 7, 18, 3);
  f.simd('i32x4.add');
  f.localGet(p).simdMemory('v128.load', 0).simd('i32x4.add');
  f.simdMemory('v128.store', 16 * 16);
  f.localGet(p).i32Const(16).i32Add().localTee(p).i32Const(BLOCK_AT + 16 * 48).i32Ne().brIf(0);
  f.end();
  v.forEach((local, i) => f.i32Const(0).simdMemory('v128.load', STATE_AT + 16 * i).localSet(local));
  // Eight rounds a turn, p at W_t of the turn's first round (K_t lies K_AT − BLOCK_AT further).
  f.i32Const(BLOCK_AT).localSet(p);
  f.loop();
  let names: readonly number[] = v;
  for (let r = 0; r < 8; r++) {
    names = round(f, names, t1, () => {
      f.localGet(p).simdMemory('v128.load', 16 * r);
      f.localGet(p).simdMemory('v128.load', K_AT - BLOCK_AT + 16 * r).simd('i32x4.add');
    });
  }
  f.localGet(p).i32Const(16 * 8).i32Add().localTee(p).i32Const(BLOCK_AT + 16 * 64).i32Ne().brIf(0);
  f.end();
  v.forEach((local, i) => {
    f.i32Const(0);
    f.i32Const(0).simdMemory('v128.load', STATE_AT + 16 * i).localGet(local).simd('i32x4.add');
    f.simdMemory('v128.store', STATE_AT + 16 * i);
  });
  return f;
}

/** setIvState sets compress4's state to the initial hash value (FIPS 180-4 §5.3.3). */
function setIvState(f: FunctionBody): void {
  IV.forEach((w, i) => {
    f.i32Const(0);
    splat(f, w);
    f.simdMemory('v128.store', STATE_AT + 16 * i);
  });
}

/** storeWord emits `W[i] ← (the vector pushed by value)` in compress4's block. */
function storeWord(f: FunctionBody, i: number, value: () => void): void {
  f.i32Const(0);
  value();
  f.simdMemory('v128.store', BLOCK_AT + 16 * i);
}

/** gather pushes a vector whose lane j is the big-endian word at `base + offsets[j]` (a local and constants). */
function gather(f: FunctionBody, scratch: number, base: number, offsets: readonly number[]): void {
  // The addresses for lanes 3, 2, 1 wait on the stack under the vector being filled.
  f.localGet(base).localGet(base).localGet(base);
  f.localGet(base).simdMemory('v128.load32_splat', offsets[0]!);
  for (let j = 1; j < 4; j++) f.load32Lane(offsets[j]!, j);
  f.localTee(scratch).localGet(scratch).shuffle(BSWAP);
}

/** leaves4 (see the file comment). */
function leaves4(): FunctionBody {
  const f = new FunctionBody([I32, I32, I32], [I32]);
  const [src, tile, out] = [0, 1, 2];
  const scratch = f.local(V128);
  const hash = f.local(V128);
  const diff = f.local(V128);
  // The block 0x00 ‖ entry ‖ 0x80 ‖ 0… ‖ 336 (bits): message byte 4i is entry byte 4i − 1, at
  // record offset 4i + 1. Word 0 starts with the record's low length byte (replaced by the
  // 0x00 prefix), word 10 ends with the next record's first bytes (replaced by the 0x80 pad).
  for (let i = 0; i <= 10; i++) {
    storeWord(f, i, () => {
      gather(f, scratch, src, [0, 1, 2, 3].map((j) => RECORD * j + 4 * i + 1));
      if (i === 0) {
        splat(f, 0x00ffffff);
        f.simd('v128.and');
      }
      if (i === 10) {
        splat(f, 0xffff0000);
        f.simd('v128.and');
        splat(f, 0x00008000);
        f.simd('v128.or');
      }
    });
  }
  for (let i = 11; i < 15; i++) storeWord(f, i, () => splat(f, 0));
  storeWord(f, 15, () => splat(f, (1 + ENTRY_SIZE) * 8));
  setIvState(f);
  f.call(COMPRESS4);
  for (let i = 0; i < 8; i++) {
    f.i32Const(0).simdMemory('v128.load', STATE_AT + 16 * i).localSet(hash);
    f.localGet(out).localGet(hash).simdMemory('v128.store', 16 * i);
    f.localGet(hash);
    gather(f, scratch, tile, [0, 32, 64, 96].map((o) => o + 4 * i));
    f.simd('v128.xor');
    if (i > 0) f.localGet(diff).simd('v128.or');
    f.localSet(diff);
  }
  f.localGet(diff).simd('v128.any_true').i32Eqz();
  return f;
}

/** nodes4 (see the file comment). */
function nodes4(): FunctionBody {
  const f = new FunctionBody([I32, I32, I32], []);
  const [ga, gb, out] = [0, 1, 2];
  const x = Array.from({ length: 16 }, () => f.local(V128));
  const tail = f.local(V128);
  // X0…X7 = the left hashes' words, X8…X15 the right ones'; all loads come before any store.
  for (let i = 0; i < 16; i++) {
    f.localGet(ga).simdMemory('v128.load', 16 * (i % 8));
    f.localGet(gb).simdMemory('v128.load', 16 * (i % 8));
    f.shuffle(i < 8 ? EVEN_LANES : ODD_LANES).localSet(x[i]!);
  }
  // 0x01 ‖ X is 65 bytes: block 1 is 0x01 and X's first 63 bytes, so each word takes the low
  // byte of the previous one; block 2 is X's last byte, the 0x80 pad and the length 520 bits.
  f.localGet(x[15]!).i32Const(24).simd('i32x4.shl');
  splat(f, 0x00800000);
  f.simd('v128.or').localSet(tail);
  for (let i = 0; i < 16; i++) {
    storeWord(f, i, () => {
      f.localGet(x[i]!).i32Const(8).simd('i32x4.shr_u');
      if (i === 0) splat(f, 0x01000000);
      else f.localGet(x[i - 1]!).i32Const(24).simd('i32x4.shl');
      f.simd('v128.or');
    });
  }
  setIvState(f);
  f.call(COMPRESS4);
  storeWord(f, 0, () => f.localGet(tail));
  for (let i = 1; i < 15; i++) storeWord(f, i, () => splat(f, 0));
  storeWord(f, 15, () => splat(f, 65 * 8));
  f.call(COMPRESS4);
  for (let i = 0; i < 8; i++) {
    f.localGet(out);
    f.i32Const(0).simdMemory('v128.load', STATE_AT + 16 * i);
    f.simdMemory('v128.store', 16 * i);
  }
  return f;
}

/** sha256x4Module returns the bytes of the module (see the file comment). */
export function sha256x4Module(): Uint8Array<ArrayBuffer> {
  return moduleBytes(
    [
      { name: 'compress4', body: compress4() },
      { name: 'leaves4', body: leaves4() },
      { name: 'nodes4', body: nodes4() },
    ],
    1,
  );
}

/**
 * loadSha256x4 compiles and instantiates the module, or returns undefined where WebAssembly
 * SIMD is not available (the module does not validate, or there is no WebAssembly).
 */
export function loadSha256x4(): Sha256x4 | undefined {
  if (typeof WebAssembly !== 'object') return undefined;
  const bytes = sha256x4Module();
  if (!WebAssembly.validate(bytes)) return undefined;
  const x4 = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as Sha256x4;
  const k = new Int32Array(x4.memory.buffer, K_AT, 4 * 64);
  K.forEach((w, t) => k.fill(w, 4 * t, 4 * t + 4));
  return x4;
}

/**
 * hashTileX4 does what hashFullBundle (./hasher.ts) does once the records' lengths are checked:
 * the leaf hashes of the 256 records of `bundle` compared with the 256 hashes of `leaves`, then
 * those hashes folded to the tile's root; returns the root, or undefined if any leaf hash differs.
 * `bundle` and `leaves` must be exactly a full bundle and a full tile.
 */
export function hashTileX4(x4: Sha256x4, bundle: Uint8Array, leaves: Uint8Array): Uint8Array | undefined {
  if (bundle.length !== BUNDLE_BYTES || leaves.length !== TILE_BYTES) throw new Error('hashTileX4: not a full bundle and tile');
  // The memory never grows, so its buffer (and a view of it) stays the same.
  const mem = new Uint8Array(x4.memory.buffer);
  mem.set(bundle, BUNDLE_AT);
  mem.set(leaves, TILE_AT);
  for (let g = 0; g < 64; g++) {
    if (x4.leaves4(BUNDLE_AT + 4 * RECORD * g, TILE_AT + 128 * g, WORK_AT + 128 * g) === 0) return undefined;
  }
  for (let groups = 64; groups > 1; groups /= 2) {
    for (let m = 0; m < groups / 2; m++) x4.nodes4(WORK_AT + 256 * m, WORK_AT + 256 * m + 128, WORK_AT + 128 * m);
  }
  // One group of four hashes: two levels folded onto itself leave the root in lane 0.
  x4.nodes4(WORK_AT, WORK_AT, WORK_AT);
  x4.nodes4(WORK_AT, WORK_AT, WORK_AT);
  return laneBytes(mem, WORK_AT, 0);
}

/** laneBytes returns the 32-byte hash in lane `lane` of the group at `at`. */
function laneBytes(mem: Uint8Array, at: number, lane: number): Uint8Array {
  const hash = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    // Lane `lane` of vector i is a little-endian word in memory; the hash is big-endian.
    const p = at + 16 * i + 4 * lane;
    hash[4 * i] = mem[p + 3]!;
    hash[4 * i + 1] = mem[p + 2]!;
    hash[4 * i + 2] = mem[p + 1]!;
    hash[4 * i + 3] = mem[p]!;
  }
  return hash;
}

/**
 * digest4 returns SHA-256 of each of four messages with `compress4` (FIPS 180-4 §5.1.1
 * padding done here); the messages must pad to the same number of blocks. For tests: the
 * audit's hashing goes through leaves4 and nodes4.
 */
export function digest4(x4: Sha256x4, messages: readonly Uint8Array[]): Uint8Array[] {
  if (messages.length !== 4) throw new Error('digest4: four messages');
  const blocks = (m: Uint8Array) => Math.floor((m.length + 8) / 64) + 1;
  const n = blocks(messages[0]!);
  if (messages.some((m) => blocks(m) !== n)) throw new Error('digest4: messages of different block counts');
  const padded = messages.map((m) => {
    const p = new Uint8Array(64 * n);
    p.set(m);
    p[m.length] = 0x80;
    const view = new DataView(p.buffer);
    view.setUint32(64 * n - 8, Math.floor((m.length * 8) / 2 ** 32));
    view.setUint32(64 * n - 4, (m.length * 8) % 2 ** 32);
    return p;
  });
  const words = new Int32Array(x4.memory.buffer);
  for (let i = 0; i < 8; i++) for (let j = 0; j < 4; j++) words[STATE_AT / 4 + 4 * i + j] = IV[i]!;
  for (let b = 0; b < n; b++) {
    padded.forEach((p, j) => {
      const view = new DataView(p.buffer);
      for (let i = 0; i < 16; i++) words[BLOCK_AT / 4 + 4 * i + j] = view.getInt32(64 * b + 4 * i);
    });
    x4.compress4();
  }
  return [0, 1, 2, 3].map((j) => laneBytes(new Uint8Array(x4.memory.buffer), STATE_AT, j));
}
