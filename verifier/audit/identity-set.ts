/**
 * A compact set of 32-byte identities for the audit's "no identity twice" check (src/note/entry-rules.ts).
 *
 * Each identity is reduced to a 64-bit key (two 32-bit words) by simple tabulation hashing with
 * random tables drawn per set; an open-addressing table indexed by the first word holds, per
 * slot, the identity's position (insertion order) and the second word. The identities
 * themselves are not kept: at a million that was 32 MB written once each — ≈ 8,000 fresh pages,
 * each a page fault (≈ 19 µs on the bench machine) — only to confirm the rare hit. So a hit is a
 * *candidate*: an earlier identity with the same 64-bit key, which the caller compares with the
 * new one (the audit reads the earlier entry again and checks it against the tile hash it
 * recomputed, see audit.ts). A candidate must match both words (the first is read from `firsts`
 * only when the slot's second word matches), so two different identities are a candidate with
 * probability 2^-64 per pair. One million identities take a 16 MB table and 4 MB of first words
 * (kept for growing the table and for confirming the key).
 *
 * The digests are not trusted to be uniform: anyone may submit bare identities, so a log can hold
 * any number of digests that share chosen bits, and a table indexed by fixed bits of them would
 * probe quadratically (an audit made to crawl). The key is simple tabulation hashing — the XOR of
 * one random 32-bit word per (byte position, byte value) — for which linear probing takes
 * expected constant time for ANY set of keys fixed before the tables are drawn (Pătraşcu and
 * Thorup, "The Power of Simple Tabulation Hashing", JACM 2012); the second word, from tables of
 * its own, is independent of the first, so the chance of a false candidate does not depend on
 * the digests either. The log's content is fixed before an audit starts, and the tables never
 * leave it.
 */

const ID_SIZE = 32;
const NONE: readonly number[] = [];

/** IdentitySet remembers identities in insertion order and reports candidates for a repeat. */
export class IdentitySet {
  private count = 0;
  /**
   * Open addressing, capacity a power of two kept at most half full; slot s holds
   * `table[2s]` = position + 1 (0 = empty) and `table[2s+1]` = the key's second word.
   */
  private table: Int32Array;
  /** The first word of each position's key (by position): the table's index when it grows. */
  private firsts: Int32Array;
  /** log2 of the table's slot count; a slot is the key's top `bits` bits. */
  private bits: number;
  /**
   * The random tables of the key: for byte position i and value v, the first word's term at
   * `2·(256·i + v)` and the second's next to it (one cache line serves both; 64 KiB).
   */
  private readonly tables = crypto.getRandomValues(new Int32Array(ID_SIZE * 256 * 2));
  /** The key of the identity being added (first, second word). */
  private first = 0;
  private second = 0;
  /** Keys computed by {@link prefetch}: of the identities at `preBytes[preFirst + i·preStride]`, i < preCount. */
  private preBytes: Uint8Array | undefined;
  private preFirst = 0;
  private preStride = 1;
  private preCount = 0;
  private preFirsts = new Int32Array(0);
  private preSeconds = new Int32Array(0);
  /** A sum of the slots {@link prefetch} read (never used: it keeps the reads). */
  private touched = 0;
  /** The longest probe sequence so far (slots visited by one add); a diagnostic, and for tests. */
  longestProbe = 0;

  /** `expected` identities fit without growing (default: start small and double). */
  constructor(expected = 1024) {
    let cap = 2048;
    this.bits = 11;
    while (cap < 2 * expected) {
      cap *= 2;
      this.bits++;
    }
    this.firsts = new Int32Array(Math.max(1, expected));
    this.table = new Int32Array(2 * cap);
  }

  /** The number of identities in the set. */
  get size(): number {
    return this.count;
  }

  /**
   * add inserts the identity at `bytes[offset … offset+32)` and returns -1, or, if an earlier
   * identity has the same 64-bit key, inserts nothing and returns that identity's position: a
   * candidate repeat for the caller to compare. If it differs, the caller adds again with that
   * position in `distinct` (positions confirmed to hold other identities), and probing goes on
   * past them.
   */
  add(bytes: Uint8Array, offset: number, distinct: readonly number[] = NONE): number {
    if (4 * (this.count + 1) > this.table.length) this.grow();
    const table = this.table;
    const mask = table.length / 2 - 1;
    const i = (offset - this.preFirst) / this.preStride;
    let first: number;
    let second: number;
    if (bytes === this.preBytes && i >= 0 && i < this.preCount && Number.isInteger(i)) {
      first = this.preFirsts[i]!;
      second = this.preSeconds[i]!;
    } else {
      this.key(bytes, offset);
      first = this.first;
      second = this.second;
    }
    let slot = first >>> (32 - this.bits);
    let probes = 1;
    for (;;) {
      const at = table[2 * slot]!;
      if (at === 0) break;
      // Both words: a slot met on the way holds another key's second word by chance (2^-32 each).
      if (table[2 * slot + 1] === second && this.firsts[at - 1] === first && !distinct.includes(at - 1)) return at - 1;
      slot = (slot + 1) & mask;
      probes++;
    }
    if (probes > this.longestProbe) this.longestProbe = probes;
    if (this.count === this.firsts.length) {
      const bigger = new Int32Array(this.firsts.length * 2);
      bigger.set(this.firsts);
      this.firsts = bigger;
    }
    this.firsts[this.count] = first;
    table[2 * slot] = ++this.count;
    table[2 * slot + 1] = second;
    return -1;
  }

  /**
   * prefetch computes the keys of the `count` identities at `bytes[first + i·stride …]` and reads
   * the table slot of each, so that adding them next finds their slots in the cache. One add's
   * read of its slot is a cache (and TLB) miss in a 16 MB table that the add then waits for; a
   * loop of independent reads lets the processor overlap those misses: in a micro-benchmark of
   * 1M identities 0.40–0.43 → 0.19–0.25 µs per add. Until {@link endPrefetch}, an add of one of
   * these identities (the same array, one of these offsets) uses its key; `bytes` must not
   * change in between.
   */
  prefetch(bytes: Uint8Array, first: number, stride: number, count: number): void {
    if (this.preFirsts.length < count) {
      this.preFirsts = new Int32Array(count);
      this.preSeconds = new Int32Array(count);
    }
    const firsts = this.preFirsts;
    const seconds = this.preSeconds;
    for (let i = 0; i < count; i++) {
      this.key(bytes, first + i * stride);
      firsts[i] = this.first;
      seconds[i] = this.second;
    }
    const table = this.table;
    const shift = 32 - this.bits;
    let touched = 0;
    for (let i = 0; i < count; i++) touched += table[2 * (firsts[i]! >>> shift)]!;
    this.touched = touched; // kept, so that the reads are not optimised away
    this.preBytes = bytes;
    this.preFirst = first;
    this.preStride = stride;
    this.preCount = count;
  }

  /** endPrefetch forgets the keys of {@link prefetch}. */
  endPrefetch(): void {
    this.preBytes = undefined;
    this.preCount = 0;
  }

  /**
   * key sets {@link first} and {@link second} to the XOR of the tables' words for the digest's
   * 32 bytes (simple tabulation; the bitwise operators here work on hash words only, never on
   * sizes or indexes).
   */
  private key(bytes: Uint8Array, o: number): void {
    const t = this.tables;
    let h = 0;
    let g = 0;
    for (let i = 0; i < ID_SIZE; i++) {
      const x = 512 * i + 2 * bytes[o + i]!;
      h ^= t[x]!;
      g ^= t[x + 1]!;
    }
    this.first = h;
    this.second = g;
  }

  private grow(): void {
    const old = this.table;
    const cap = old.length; // doubles: twice the slots, two words each
    const mask = cap - 1;
    const table = new Int32Array(2 * cap);
    this.bits++;
    for (let s = 0; s < old.length; s += 2) {
      const at = old[s]!;
      if (at === 0) continue;
      let slot = this.firsts[at - 1]! >>> (32 - this.bits);
      while (table[2 * slot] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = at;
      table[2 * slot + 1] = old[s + 1]!;
    }
    this.table = table;
  }
}
