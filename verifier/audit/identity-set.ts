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
 * The table is split into {@link SHARDS} shards by the key's top bits, each growing on its own,
 * and the first words are kept in 4 MiB chunks: growing then copies one shard (about 1/64 of the
 * table) and, past the first chunk, no first words, instead of holding the whole old table
 * beside the whole new one. At 10 million identities that doubling had the audit's peak RSS at
 * 566–569 MB; with the shards it is 414–418 MB (docs/performance.md, audit).
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
/** log2 of the number of shards: a key's top SHARD_BITS bits choose its shard. */
const SHARD_BITS = 6;
/** Shards of the table; each doubles on its own. */
const SHARDS = 2 ** SHARD_BITS;
/** Slots of a shard at the least (a power of two). */
const MIN_SHARD_SLOTS = 32;
/** First words per chunk of {@link IdentitySet.firsts} (4 MiB). */
const CHUNK = 2 ** 20;
/** Most chunks: a position + 1 must fit an Int32 (2047 · 2^20 < 2^31 − 1). */
const MAX_CHUNKS = 2047;

/** IdentitySet remembers identities in insertion order and reports candidates for a repeat. */
export class IdentitySet {
  private count = 0;
  /**
   * The shards: open addressing, each with a power-of-two slot count kept at most half full;
   * slot s holds `shard[2s]` = position + 1 (0 = empty) and `shard[2s+1]` = the key's second word.
   */
  private readonly shards: Int32Array[] = [];
  /** Identities in each shard. */
  private readonly counts = new Int32Array(SHARDS);
  /** log2 of each shard's slot count; a slot is the key's next `bits` bits after the shard's. */
  private readonly bits = new Int32Array(SHARDS);
  /**
   * The first word of each position's key (by position): a shard's index when it grows. Chunk
   * i holds positions from i·{@link CHUNK}; chunk 0 starts at the expected size and doubles up to
   * CHUNK, the later ones are made full-size.
   */
  private readonly firsts: Int32Array[];
  /** The chunk being filled, and the next index in it. */
  private chunk: Int32Array;
  private inChunk = 0;
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

  /**
   * Each shard is made for its share of `expected` identities (default: start small and
   * double); a shard that gets more than its share before `expected` doubles alone. (At 2^20
   * expected, about half the shards do; at a million none, as their share is further below half
   * their slots.)
   */
  constructor(expected = 1024) {
    if (!Number.isSafeInteger(expected) || expected < 0) throw new Error(`identity set: expected ${expected} is not a count`);
    let slots = MIN_SHARD_SLOTS;
    let bits = Math.log2(MIN_SHARD_SLOTS);
    while (slots * SHARDS < 2 * expected) {
      slots *= 2;
      bits++;
    }
    for (let i = 0; i < SHARDS; i++) this.shards.push(new Int32Array(2 * slots));
    this.bits.fill(bits);
    this.chunk = new Int32Array(Math.min(CHUNK, Math.max(1, expected)));
    this.firsts = [this.chunk];
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
    // The shard is the key's top bits, its slot the next ones (bitwise operators on hash words only).
    const n = first >>> (32 - SHARD_BITS);
    let shard = this.shards[n]!;
    if (4 * (this.counts[n]! + 1) > shard.length) shard = this.grow(n);
    const mask = shard.length / 2 - 1;
    let slot = (first << SHARD_BITS) >>> (32 - this.bits[n]!);
    let probes = 1;
    for (;;) {
      const at = shard[2 * slot]!;
      if (at === 0) break;
      // Both words: a slot met on the way holds another key's second word by chance (2^-32 each).
      if (shard[2 * slot + 1] === second && this.firstOf(at - 1) === first && !distinct.includes(at - 1)) return at - 1;
      slot = (slot + 1) & mask;
      probes++;
    }
    if (probes > this.longestProbe) this.longestProbe = probes;
    if (this.inChunk === this.chunk.length) this.nextChunk();
    this.chunk[this.inChunk++] = first;
    this.counts[n]!++;
    shard[2 * slot] = ++this.count;
    shard[2 * slot + 1] = second;
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
    let touched = 0;
    for (let i = 0; i < count; i++) {
      const n = firsts[i]! >>> (32 - SHARD_BITS);
      touched += this.shards[n]![2 * ((firsts[i]! << SHARD_BITS) >>> (32 - this.bits[n]!))]!;
    }
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

  /** nextChunk makes room for the next first word: chunk 0 doubled (up to CHUNK), or a new chunk. */
  private nextChunk(): void {
    if (this.chunk.length < CHUNK) {
      const bigger = new Int32Array(Math.min(CHUNK, 2 * this.chunk.length));
      bigger.set(this.chunk);
      this.firsts[0] = this.chunk = bigger;
    } else {
      if (this.firsts.length === MAX_CHUNKS) throw new Error(`identity set: more than ${MAX_CHUNKS * CHUNK} identities`);
      this.chunk = new Int32Array(CHUNK);
      this.firsts.push(this.chunk);
      this.inChunk = 0;
    }
  }

  /** firstOf is the first word of the key of the identity at `position`. */
  private firstOf(position: number): number {
    const chunk = Math.floor(position / CHUNK);
    return this.firsts[chunk]![position - chunk * CHUNK]!;
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

  /** grow doubles shard `n`, puts its identities into the new one and returns it. */
  private grow(n: number): Int32Array {
    const old = this.shards[n]!;
    const slots = old.length; // doubles: twice the slots, two words each
    const mask = slots - 1;
    const shard = new Int32Array(2 * slots);
    const bits = ++this.bits[n]!;
    for (let s = 0; s < old.length; s += 2) {
      const at = old[s]!;
      if (at === 0) continue;
      let slot = (this.firstOf(at - 1) << SHARD_BITS) >>> (32 - bits);
      while (shard[2 * slot] !== 0) slot = (slot + 1) & mask;
      shard[2 * slot] = at;
      shard[2 * slot + 1] = old[s + 1]!;
    }
    this.shards[n] = shard;
    return shard;
  }
}
