/**
 * The SHA-256 block function (FIPS 180-4 §6.2.2) on caller-owned scratch arrays, for the
 * allocation-free hashing of short Merkle inputs: the core's leaf and node hashes
 * (./hash.ts) and the audit's in-place hashing of bundles and tiles (verifier/audit/hasher.ts):
 * `sha256Init(state)`, then per 64-byte block `sha256Schedule(w)` on its 16 words and
 * `sha256Compress(state, w)`; padding (§5.1.1) is the caller's.
 * The 32-bit word arithmetic uses bitwise operators on hash words only, never on tree sizes or
 * indexes. Tests compare every user with node:crypto.
 */
import { IV as SHA256_IV, K as SHA256_K } from './sha256-constants.js';

// Module-local bindings: the round loop read an imported binding measurably slower (≈ 15 % of a
// bundle's hashing in verifier/audit/hasher.ts, alternating runs).
const K = SHA256_K;
const IV = SHA256_IV;

/** sha256Init sets an 8-word state to the initial hash value (FIPS 180-4 §5.3.3). */
export function sha256Init(state: Int32Array): void {
  state.set(IV);
}

/**
 * schedule turns w[o … o+16), the block's 16 big-endian message words, into the 64-word
 * message schedule W (FIPS 180-4 §6.2.2 step 1). A schedule that does not depend on the message
 * can be computed once and reused. Feed it to {@link sha256Compress}.
 */
export function sha256Schedule(w: Int32Array, o = 0): void {
  for (let i = o + 16; i < o + 64; i++) {
    const a = w[i - 15]!;
    const b = w[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
}

/** compress applies the 64 rounds (FIPS 180-4 §6.2.2 steps 2–4) with the schedule w[o … o+64) to `state`. */
export function sha256Compress(state: Int32Array, w: Int32Array, o = 0): void {
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!, e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let t = 0; t < 64; t++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[t]! + w[o + t]!) | 0;
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
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}
