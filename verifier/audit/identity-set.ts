/**
 * A compact set of 32-byte identities for the audit's "no identity twice" check (src/note/entry-rules.ts).
 *
 * The digests live back to back in one growing buffer (32 bytes each, no per-identity object);
 * an open-addressing table maps a keyed hash of the digest to the position of a digest, and a hit
 * is confirmed by comparing all 32 bytes. One million identities take about 32 MB plus a 16 MB
 * table (32-bit position and key per slot).
 *
 * The digests are not trusted to be uniform: anyone may submit bare identities, so a log can hold
 * any number of digests that share chosen bits, and a table indexed by fixed bits of them would
 * probe quadratically (an audit made to crawl). The key is simple tabulation hashing with
 * random tables drawn per set — the XOR of one random 32-bit word per (byte position, byte
 * value) — for which linear probing takes expected constant time for ANY set of keys fixed
 * before the tables are drawn (Pătraşcu and Thorup, "The Power of Simple Tabulation Hashing",
 * JACM 2012). The log's content is fixed before an audit starts, and the tables never leave it.
 */

const ID_SIZE = 32;

/** IdentitySet remembers identities in insertion order and reports the first repeat. */
export class IdentitySet {
  private ids: Uint8Array;
  private count = 0;
  /**
   * Open addressing, capacity a power of two kept at most half full; slot s holds
   * `table[2s]` = position + 1 (0 = empty) and `table[2s+1]` = that digest's key, so probing
   * past another digest rarely has to read the digest itself (a cache miss in a large set).
   */
  private table: Int32Array;
  /** log2 of the table's slot count; a slot is the key's top `bits` bits. */
  private bits: number;
  /** The random tables of {@link key}: 256 words per byte position of a digest (32 KiB). */
  private readonly tables = crypto.getRandomValues(new Int32Array(ID_SIZE * 256));
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
    this.ids = new Uint8Array(ID_SIZE * Math.max(1, expected));
    this.table = new Int32Array(2 * cap);
  }

  /** The number of identities in the set. */
  get size(): number {
    return this.count;
  }

  /**
   * add inserts the identity at `bytes[offset … offset+32)`. Returns -1 if it is new, otherwise
   * the position (insertion order) of the identical identity already in the set.
   */
  add(bytes: Uint8Array, offset: number): number {
    if (4 * (this.count + 1) > this.table.length) this.grow();
    const table = this.table;
    const mask = table.length / 2 - 1;
    const k = this.key(bytes, offset);
    let slot = k >>> (32 - this.bits);
    let probes = 1;
    for (;;) {
      const at = table[2 * slot]!;
      if (at === 0) break;
      if (table[2 * slot + 1] === k && this.equalAt(at - 1, bytes, offset)) return at - 1;
      slot = (slot + 1) & mask;
      probes++;
    }
    if (probes > this.longestProbe) this.longestProbe = probes;
    if ((this.count + 1) * ID_SIZE > this.ids.length) {
      const bigger = new Uint8Array(this.ids.length * 2);
      bigger.set(this.ids);
      this.ids = bigger;
    }
    const ids = this.ids;
    for (let i = 0, d = this.count * ID_SIZE; i < ID_SIZE; i++) ids[d + i] = bytes[offset + i]!;
    table[2 * slot] = ++this.count;
    table[2 * slot + 1] = k;
    return -1;
  }

  /** identity returns a copy of the identity at `position`. */
  identity(position: number): Uint8Array {
    return this.ids.slice(position * ID_SIZE, (position + 1) * ID_SIZE);
  }

  /**
   * key is the XOR of tables[256·i + byte i] over the digest's 32 bytes (simple tabulation; the
   * bitwise operators here work on hash words only, never on sizes or indexes).
   */
  private key(bytes: Uint8Array, o: number): number {
    const t = this.tables;
    let h = 0;
    for (let i = 0; i < ID_SIZE; i++) h ^= t[256 * i + bytes[o + i]!]!;
    return h;
  }

  private equalAt(position: number, bytes: Uint8Array, offset: number): boolean {
    const base = position * ID_SIZE;
    for (let i = 0; i < ID_SIZE; i++) if (this.ids[base + i] !== bytes[offset + i]) return false;
    return true;
  }

  private grow(): void {
    const cap = this.table.length; // doubles: twice the slots, two words each
    const mask = cap - 1;
    const table = new Int32Array(2 * cap);
    this.bits++;
    for (let p = 0; p < this.count; p++) {
      const k = this.key(this.ids, p * ID_SIZE);
      let slot = k >>> (32 - this.bits);
      while (table[2 * slot] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = p + 1;
      table[2 * slot + 1] = k;
    }
    this.table = table;
  }
}


