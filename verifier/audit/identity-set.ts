/**
 * A compact set of 32-byte identities for the audit's "no identity twice" check (design §4).
 *
 * The digests live back to back in one growing buffer (32 bytes each, no per-identity object);
 * an open-addressing table maps the digest's first four bytes (uniform, since they are SHA-256
 * output) to the position of a digest, and a hit is confirmed by comparing all 32 bytes.
 * One million identities take about 32 MB plus a 16 MB table.
 */

const ID_SIZE = 32;

/** IdentitySet remembers identities in insertion order and reports the first repeat. */
export class IdentitySet {
  private ids = new Uint8Array(ID_SIZE * 1024);
  private count = 0;
  /** slot → position + 1 (0 = empty); capacity a power of two, kept at most half full. */
  private table = new Float64Array(2048);

  /** The number of identities in the set. */
  get size(): number {
    return this.count;
  }

  /**
   * add inserts the identity at `bytes[offset … offset+32)`. Returns -1 if it is new, otherwise
   * the position (insertion order) of the identical identity already in the set.
   */
  add(bytes: Uint8Array, offset: number): number {
    if (2 * (this.count + 1) > this.table.length) this.grow();
    const cap = this.table.length;
    let slot = key(bytes, offset) % cap;
    for (;;) {
      const at = this.table[slot]!;
      if (at === 0) break;
      if (this.equalAt(at - 1, bytes, offset)) return at - 1;
      slot = slot + 1 === cap ? 0 : slot + 1;
    }
    if ((this.count + 1) * ID_SIZE > this.ids.length) {
      const bigger = new Uint8Array(this.ids.length * 2);
      bigger.set(this.ids);
      this.ids = bigger;
    }
    this.ids.set(bytes.subarray(offset, offset + ID_SIZE), this.count * ID_SIZE);
    this.table[slot] = ++this.count;
    return -1;
  }

  /** identity returns a copy of the identity at `position`. */
  identity(position: number): Uint8Array {
    return this.ids.slice(position * ID_SIZE, (position + 1) * ID_SIZE);
  }

  private equalAt(position: number, bytes: Uint8Array, offset: number): boolean {
    const base = position * ID_SIZE;
    for (let i = 0; i < ID_SIZE; i++) if (this.ids[base + i] !== bytes[offset + i]) return false;
    return true;
  }

  private grow(): void {
    const cap = this.table.length * 2;
    const table = new Float64Array(cap);
    for (let p = 0; p < this.count; p++) {
      let slot = key(this.ids, p * ID_SIZE) % cap;
      while (table[slot] !== 0) slot = slot + 1 === cap ? 0 : slot + 1;
      table[slot] = p + 1;
    }
    this.table = table;
  }
}

/** The digest's first four bytes as a non-negative integer. */
function key(bytes: Uint8Array, o: number): number {
  return bytes[o]! * 16777216 + bytes[o + 1]! * 65536 + bytes[o + 2]! * 256 + bytes[o + 3]!;
}
