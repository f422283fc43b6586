/**
 * The audit's RFC 6962 hashing, in place: leaf hashes of 41-byte entries read straight out of an
 * entry bundle and compared with the level-0 tile without materialising the hash, and the Merkle
 * hash of a full tile folded in one scratch buffer — no per-entry or per-node objects.
 *
 * It computes exactly the functions of src/merkle/hash.ts (SHA-256, FIPS 180-4 §6.2, of
 * 0x00 ‖ entry and of 0x01 ‖ left ‖ right); the core's versions return a fresh array per hash
 * and take each input as its own array, which made allocation and garbage a large share of a
 * million-entry audit. Two shortcuts are specific to the shapes hashed here:
 *   - the message words are read from the source bytes directly (the one-byte prefix shifts
 *     every word by a byte), with no copy into a block;
 *   - a node hash is two blocks, and the second holds only the last byte of `right`, the 0x80
 *     pad and the length 520: its message schedule depends on that one byte, so the 256
 *     possible schedules (with the round constants added) are computed once.
 * test/verifier/audit-hasher.test.ts compares both with node:crypto and with the core.
 */

/** FIPS 180-4 §4.2.2. */
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
/** FIPS 180-4 §5.3.3. */
const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** The size of an entry the fast leaf path hashes (design §4); other sizes go through the core. */
export const FAST_ENTRY_SIZE = 41;

/** The message schedule (W[i] + K[i]) of the block being compressed. */
const WK = new Int32Array(64);
/** The state: IV, then the hash. */
const S = new Int32Array(8);

/** expand fills WK[16…63] from WK[0…15] holding the bare message words, then adds K. */
function expand(): void {
  for (let i = 16; i < 64; i++) {
    const a = WK[i - 15]!;
    const b = WK[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    WK[i] = (WK[i - 16]! + s0 + WK[i - 7]! + s1) | 0;
  }
  for (let i = 0; i < 64; i++) WK[i] = (WK[i]! + K[i]!) | 0;
}

/** compress applies the compression function (FIPS 180-4 §6.2.2) to S with the schedule `wk` at `o`. */
function compress(wk: Int32Array, o: number): void {
  let a = S[0]!, b = S[1]!, c = S[2]!, d = S[3]!, e = S[4]!, f = S[5]!, g = S[6]!, h = S[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + wk[o + i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  S[0] = (S[0]! + a) | 0;
  S[1] = (S[1]! + b) | 0;
  S[2] = (S[2]! + c) | 0;
  S[3] = (S[3]! + d) | 0;
  S[4] = (S[4]! + e) | 0;
  S[5] = (S[5]! + f) | 0;
  S[6] = (S[6]! + g) | 0;
  S[7] = (S[7]! + h) | 0;
}

/**
 * prefixedWords puts the 16 words of the 64 bytes `prefix ‖ src[o … o+63)` into WK[0…15]
 * (big-endian, FIPS 180-4 §5.2.1).
 */
function prefixedWords(prefix: number, src: Uint8Array, o: number): void {
  WK[0] = (prefix << 24) | (src[o]! << 16) | (src[o + 1]! << 8) | src[o + 2]!;
  for (let i = 1, j = o + 3; i < 16; i++, j += 4) WK[i] = (src[j]! << 24) | (src[j + 1]! << 16) | (src[j + 2]! << 8) | src[j + 3]!;
}

/** The second block of every node hash, one schedule (with K) per value of its first byte. */
const NODE_TAIL = new Int32Array(256 * 64);
for (let v = 0; v < 256; v++) {
  WK.fill(0);
  WK[0] = (v << 24) | (0x80 << 16);
  WK[15] = 65 * 8;
  expand();
  NODE_TAIL.set(WK, v * 64);
}

/** leafState leaves SHA-256(0x00 ‖ src[o … o+41)) in S. */
function leafState(src: Uint8Array, o: number): void {
  // One block: 0x00, 41 bytes, 0x80, zeros, the bit length 336 in the last word.
  WK[0] = (src[o]! << 16) | (src[o + 1]! << 8) | src[o + 2]!;
  for (let i = 1, j = o + 3; i < 10; i++, j += 4) WK[i] = (src[j]! << 24) | (src[j + 1]! << 16) | (src[j + 2]! << 8) | src[j + 3]!;
  WK[10] = (src[o + 39]! << 24) | (src[o + 40]! << 16) | (0x80 << 8);
  WK[11] = 0;
  WK[12] = 0;
  WK[13] = 0;
  WK[14] = 0;
  WK[15] = 42 * 8;
  expand();
  S.set(IV);
  compress(WK, 0);
}

/** writeState writes the hash in S to `out[p … p+32)`. */
function writeState(out: Uint8Array, p: number): void {
  for (let i = 0, j = p; i < 8; i++, j += 4) {
    const w = S[i]!;
    out[j] = w >>> 24;
    out[j + 1] = (w >>> 16) & 0xff;
    out[j + 2] = (w >>> 8) & 0xff;
    out[j + 3] = w & 0xff;
  }
}

/** leafHashAt writes the leaf hash SHA-256(0x00 ‖ entry) of the 41-byte entry at `src[o …)` to `out[p … p+32)`. */
export function leafHashAt(src: Uint8Array, o: number, out: Uint8Array, p: number): void {
  leafState(src, o);
  writeState(out, p);
}

/**
 * leafMatches tells whether the leaf hash SHA-256(0x00 ‖ entry) of the 41-byte entry at
 * `src[o … o+41)` equals the 32 bytes of `hashes` at `h`.
 */
export function leafMatches(src: Uint8Array, o: number, hashes: Uint8Array, h: number): boolean {
  leafState(src, o);
  for (let i = 0, j = h; i < 8; i++, j += 4) {
    if (S[i] !== ((hashes[j]! << 24) | (hashes[j + 1]! << 16) | (hashes[j + 2]! << 8) | hashes[j + 3]!)) return false;
  }
  return true;
}

/**
 * nodeHashAt writes SHA-256(0x01 ‖ buf[o … o+64)) — the node hash of the two hashes at `o` —
 * to `out[p … p+32)`. `out` may be `buf`, and the ranges may overlap.
 */
export function nodeHashAt(buf: Uint8Array, o: number, out: Uint8Array, p: number): void {
  prefixedWords(0x01, buf, o);
  const last = buf[o + 63]!;
  expand();
  S.set(IV);
  compress(WK, 0);
  compress(NODE_TAIL, last * 64);
  writeState(out, p);
}

/**
 * foldTile replaces the `2^k` hashes at the start of `work` by the Merkle hash of them (the
 * root of that perfect subtree, RFC 6962 §2.1), left in `work[0 … 32)`.
 */
export function foldTile(work: Uint8Array, count: number): void {
  for (let n = count; n > 1; n /= 2) {
    for (let i = 0; i < n / 2; i++) nodeHashAt(work, 64 * i, work, 32 * i);
  }
}

/** The bytes of a full bundle of 41-byte entries with their 2-byte length prefixes. */
const FULL_BUNDLE_BYTES = 256 * (2 + FAST_ENTRY_SIZE);
const work = new Uint8Array(256 * 32);

/**
 * hashFullBundle checks that `leaves` (256 hashes) holds the leaf hashes of the 256 entries of
 * `bundle`, each 41 bytes, and returns the Merkle hash of those 256 hashes (the tile's node
 * 8 levels up). Returns undefined if the bundle is not exactly 256 41-byte entries or any leaf
 * hash differs: the caller then checks the bundle entry by entry to find and report the fault.
 */
export function hashFullBundle(bundle: Uint8Array, leaves: Uint8Array): Uint8Array | undefined {
  if (bundle.length !== FULL_BUNDLE_BYTES || leaves.length !== work.length) return undefined;
  for (let k = 0, o = 0; k < 256; k++, o += 2 + FAST_ENTRY_SIZE) {
    if (bundle[o] !== 0 || bundle[o + 1] !== FAST_ENTRY_SIZE) return undefined;
    if (!leafMatches(bundle, o + 2, leaves, 32 * k)) return undefined;
  }
  work.set(leaves);
  foldTile(work, 256);
  return work.slice(0, 32);
}
