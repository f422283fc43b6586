/**
 * The full audit of a runproof log over c2sp.org/tlog-tiles: download every entry bundle and hash
 * tile of the current checkpoint's tree and re-derive everything the log signed.
 *
 *   - the checkpoint verifies under the trust root (log key, or policy with its quorum);
 *   - every entry is 41 bytes, of type 0x01 (design §4); times never decrease; no identity twice;
 *   - every level-0 tile hash is the RFC 6962 leaf hash of the bundle entry at that index;
 *   - every tile at level ≥ 1 holds the Merkle hashes of the full tiles below it, as recomputed
 *     here from the entries (c2sp.org/tlog-tiles "Merkle Tree");
 *   - the root recomputed from the entries equals the signed root.
 *
 * The first fault stops the audit with AUDIT_FAILED and evidence (the index, what was expected
 * and found, the URLs). Bundles and level-0 tiles are fetched with bounded concurrency and checked
 * in log order; hashing reads the bundle bytes in place with no per-entry objects (hasher.ts),
 * and a BundleHasher option can move it off the main thread (worker-hasher.ts, which the CLI
 * uses): a full bundle it vouches for skips only the leaf comparisons, any other is checked here
 * entry by entry, so the first fault reported is the same. Progress can be saved and resumed
 * (see state.ts).
 */
import { RunproofError, isRunproofError } from '../../src/errors.js';
import { toBase64 } from '../../src/encoding/base64.js';
import { toHex } from '../../src/encoding/hex.js';
import { equalBytes } from '../../src/encoding/utf8.js';
import { HASH_SIZE, leafHash } from '../../src/merkle/hash.js';
import { rootFromHashes, rootNodes } from '../../src/merkle/tree.js';
import { type Tile, TILE_WIDTH, entriesPath, tilePath, tileReader, tileWidthAt } from '../../src/merkle/tiles.js';
import { formatIdentity } from '../../src/declaration/identity.js';
import { ENTRY_SIZE, ENTRY_TYPE_RUN_DECLARED } from '../../src/note/entry.js';
import { verifyCheckpoint, type ReceiptTrust, type WitnessVerdict } from '../../src/receipt/verify.js';
import type { LogClient } from '../log-client.js';
import { FAST_ENTRY_SIZE, foldTile, leafMatches } from './hasher.js';
import { IdentitySet } from './identity-set.js';
import { inOrder } from './ordered.js';
import type { AuditProgress, AuditStateStore } from './state.js';

/** Options for {@link audit}. */
export interface AuditOptions {
  /** The log's verifier key, or a tlog-policy. */
  trust: ReceiptTrust;
  /** Bundles (with their level-0 tiles) in flight at once; default 32 (16 left the auditor and the worker idle a third of the time on loopback). */
  concurrency?: number;
  /** Where to keep progress for resuming; none by default. */
  state?: AuditStateStore;
  /** Called after each bundle with the entries verified so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Save progress every this many full bundles (default 64). */
  saveEvery?: number;
  /**
   * Hashes full bundles, e.g. on another thread (verifier/audit/worker-hasher.ts); by default
   * the audit hashes each bundle itself as it checks it.
   */
  hasher?: BundleHasher;
}

/** Hashing of full bundles that an audit can hand to another thread. */
export interface BundleHasher {
  /**
   * hashBundle resolves to the Merkle hash of the 256 hashes in `leaves` (the node 8 levels up)
   * if `bundle` is exactly 256 entries of 41 bytes whose leaf hashes are `leaves`; otherwise to
   * undefined, and the audit checks that bundle itself to report its first fault.
   * See hashFullBundle (./hasher.ts), which implements exactly this.
   */
  hashBundle(bundle: Uint8Array, leaves: Uint8Array): Promise<Uint8Array | undefined>;
}

/** What a successful audit established. */
export interface AuditReport {
  origin: string;
  /** The tree size of the audited checkpoint (= entries verified). */
  size: number;
  /** The signed root, base64. */
  root: string;
  /** The signed checkpoint audited. */
  checkpoint: string;
  /** Policy witnesses whose cosignatures verified. */
  witnesses: WitnessVerdict[];
  /** Entries taken from saved progress instead of downloaded again. */
  resumedFrom: number;
  /** Hash tiles and entry bundles downloaded in this run. */
  tilesFetched: number;
  bundlesFetched: number;
  /** Time of the first and last entry (ms), if any. */
  firstTime?: number;
  lastTime?: number;
}

const ENTRY_WITH_PREFIX = 2 + ENTRY_SIZE;

function fail(message: string, evidence: Record<string, unknown>): RunproofError {
  return new RunproofError('AUDIT_FAILED', message, { evidence });
}

/**
 * audit downloads and re-derives the whole log at `client` against its current checkpoint.
 * @throws RunproofError AUDIT_FAILED with evidence on the first fault; the checkpoint's own codes
 *   (INVALID_SIGNATURE, ORIGIN_MISMATCH, QUORUM_NOT_MET, …) if it does not verify; UNREACHABLE /
 *   UNAVAILABLE if the log cannot be read (a resource its checkpoint requires is missing)
 */
export async function audit(client: LogClient, opts: AuditOptions): Promise<AuditReport> {
  const note = await client.checkpoint();
  const trusted = verifyCheckpoint(note, opts.trust);
  const { origin, size, root } = trusted.opened.checkpoint;
  const concurrency = Math.max(1, opts.concurrency ?? 32);
  const saveEvery = Math.max(1, opts.saveEvery ?? 64);
  const fullBundles = Math.floor(size / TILE_WIDTH);
  const allBundles = Math.ceil(size / TILE_WIDTH);

  // Resume from saved progress when it is a prefix of this tree.
  let saved = opts.state !== undefined ? await opts.state.load(origin) : undefined;
  if (saved !== undefined && saved.bundles > fullBundles) saved = undefined;
  const start = saved?.bundles ?? 0;
  // Sized for the tree up front (no rehashing), within reason: the size is only the log's claim.
  const ids = new IdentitySet(Math.min(size, 1 << 21));
  const tileHashes = new Uint8Array(fullBundles * HASH_SIZE);
  let lastTime = 0;
  let firstTime: number | undefined;
  if (saved !== undefined) {
    for (let o = 0; o < saved.identities.length; o += HASH_SIZE) ids.add(saved.identities, o);
    tileHashes.set(saved.tileHashes.subarray(0, start * HASH_SIZE));
    lastTime = saved.lastTime;
  }

  let tilesFetched = 0;
  let bundlesFetched = 0;
  let savedUpTo = start;
  let lastLeaves: Uint8Array = new Uint8Array(0); // leaf hashes of the partial right-edge bundle, if any
  const save = async (upTo: number) => {
    if (opts.state === undefined || upTo === savedUpTo) return;
    const progress: AuditProgress = {
      origin,
      bundles: upTo,
      lastTime,
      identities: identitiesOf(ids, savedUpTo * TILE_WIDTH, upTo * TILE_WIDTH),
      tileHashes: tileHashes.slice(savedUpTo * HASH_SIZE, upTo * HASH_SIZE),
    };
    await opts.state.save(savedUpTo, progress);
    savedUpTo = upTo;
  };

  // Level 0: bundles and leaf tiles, in order.
  const fetchBundle = async (b: number) => {
    const width = tileWidthAt(0, b, size);
    const tile: Tile = { level: 0, index: b, width };
    const [bundle, leaves] = await Promise.all([
      readLog(() => client.entries(b, width), client.url(entriesPath(b, width)), size),
      readLog(() => client.tile(tile), client.url(tilePath(tile)), size),
    ]);
    return { b, width, bundle, leaves };
  };
  type Fetched = Awaited<ReturnType<typeof fetchBundle>> & { hashed?: Promise<Uint8Array | undefined> };
  const check = async (f: Fetched) => {
    const { b, width, bundle, leaves } = f;
    // A full bundle the hasher vouched for has every leaf hash checked and its tile hash known.
    const tileHash = f.hashed === undefined ? undefined : await f.hashed;
    const urls = { bundle: client.url(entriesPath(b, width)), tile: client.url(tilePath({ level: 0, index: b, width })) };
    lastTime = checkBundle(b, width, bundle, leaves, lastTime, ids, urls, tileHash !== undefined);
    if (firstTime === undefined && b === 0) firstTime = readTime(bundle, 2);
    if (width !== TILE_WIDTH) lastLeaves = leaves;
    else if (tileHash !== undefined) tileHashes.set(tileHash, b * HASH_SIZE);
    else fullTileHash(leaves, tileHashes, b * HASH_SIZE);
    opts.onProgress?.(Math.min(size, (b + 1) * TILE_WIDTH), size);
    if (width === TILE_WIDTH && (b + 1 - savedUpTo >= saveEvery || b + 1 === fullBundles)) await save(b + 1);
  };
  // With a hasher, up to `concurrency` full bundles are being hashed while the next download;
  // each is checked (times, identities, …) in log order once its hashes are in.
  const hashing: Fetched[] = [];
  const downloads = inOrder<Fetched>(start, allBundles, concurrency, fetchBundle)[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Fetched>;
    try {
      next = await downloads.next();
    } catch (e) {
      // A later download failed: a fault in the bundles already downloaded comes first, as it
      // would without a hasher (log order), so the report does not depend on the hasher.
      while (hashing.length > 0) await check(hashing.shift()!);
      throw e;
    }
    if (next.done === true) break;
    const f = next.value;
    bundlesFetched++;
    tilesFetched++;
    if (opts.hasher !== undefined && f.width === TILE_WIDTH) {
      f.hashed = opts.hasher.hashBundle(f.bundle, f.leaves);
      f.hashed.catch(() => undefined); // rethrown when checked; an earlier fault abandons it
      hashing.push(f);
      if (hashing.length > concurrency) await check(hashing.shift()!);
    } else {
      while (hashing.length > 0) await check(hashing.shift()!);
      await check(f);
    }
  }
  while (hashing.length > 0) await check(hashing.shift()!);

  // Levels ≥ 1: each served tile must hold the hashes recomputed from the level below.
  const computed: Uint8Array[] = [lastLeaves, tileHashes];
  for (let level = 1; Math.floor(size / TILE_WIDTH ** level) > 0; level++) {
    const below = computed[level]!;
    const count = Math.ceil(Math.floor(size / TILE_WIDTH ** level) / TILE_WIDTH);
    const fullAbove = Math.floor(size / TILE_WIDTH ** (level + 1));
    const above = new Uint8Array(fullAbove * HASH_SIZE);
    const fetchTile = async (j: number) => {
      const tile: Tile = { level, index: j, width: tileWidthAt(level, j, size) };
      return { tile, data: await readLog(() => client.tile(tile), client.url(tilePath(tile)), size) };
    };
    for await (const { tile, data } of inOrder(0, count, concurrency, fetchTile)) {
      tilesFetched++;
      const want = below.subarray(tile.index * TILE_WIDTH * HASH_SIZE, (tile.index * TILE_WIDTH + tile.width) * HASH_SIZE);
      checkTile(tile, data, want, client.url(tilePath(tile)));
      if (tile.width === TILE_WIDTH) fullTileHash(want, above, tile.index * HASH_SIZE);
    }
    computed.push(above);
  }

  // The root, from recomputed hashes only.
  const readComputed = (t: Tile): Uint8Array => {
    if (t.level === 0 && t.index !== fullBundles) throw new Error(`audit: root needs level-0 tile ${t.index} (bug)`);
    const data = computed[t.level]!;
    const from = t.level === 0 ? 0 : t.index * TILE_WIDTH * HASH_SIZE;
    return data.subarray(from, from + t.width * HASH_SIZE);
  };
  const got = rootFromHashes(size, tileReader(size, readComputed)(rootNodes(size)));
  if (!equalBytes(got, root)) {
    throw fail(`the root of the ${size} entries served is not the signed root`, {
      checkpoint: note,
      expected: toBase64(root),
      found: toBase64(got),
    });
  }
  await save(fullBundles);
  const report: AuditReport = {
    origin,
    size,
    root: toBase64(root),
    checkpoint: note,
    witnesses: trusted.witnesses,
    resumedFrom: start * TILE_WIDTH,
    tilesFetched,
    bundlesFetched,
  };
  if (firstTime !== undefined) report.firstTime = firstTime;
  if (size > 0) report.lastTime = lastTime;
  return report;
}

/**
 * readLog fetches something the checkpoint requires. A missing resource means the log cannot be
 * read (UNAVAILABLE); a resource of the wrong shape is a fault of the log (AUDIT_FAILED).
 */
async function readLog(get: () => Promise<Uint8Array>, url: string, size: number): Promise<Uint8Array> {
  try {
    return await get();
  } catch (e) {
    if (isRunproofError(e, 'NOT_FOUND')) {
      throw new RunproofError('UNAVAILABLE', `the log does not serve ${url}, which its checkpoint of size ${size} requires`, { evidence: { url }, cause: e });
    }
    if (isRunproofError(e, 'MALFORMED_ENCODING') || isRunproofError(e, 'MALFORMED_ENTRY') || isRunproofError(e, 'TOO_LARGE')) {
      throw fail(`the log served a malformed resource: ${e.message}`, { url, ...e.evidence });
    }
    throw e;
  }
}

/** readTime reads the big-endian uint64 ms time of the entry whose bytes start at `o`. */
function readTime(bytes: Uint8Array, o: number): number {
  let t = 0;
  for (let i = 1; i <= 8; i++) t = t * 256 + bytes[o + i]!;
  return t;
}

/**
 * checkBundle verifies bundle `b` of `width` entries against its level-0 tile (unless
 * `leavesChecked`: a BundleHasher already matched every leaf hash) and the entry rules, and
 * returns the time of its last entry.
 */
function checkBundle(
  b: number,
  width: number,
  bundle: Uint8Array,
  leaves: Uint8Array,
  lastTime: number,
  ids: IdentitySet,
  urls: { bundle: string; tile: string },
  leavesChecked: boolean,
): number {
  const at = (k: number, why: string, extra: Record<string, unknown> = {}) =>
    fail(`entry ${b * TILE_WIDTH + k}: ${why}`, { index: b * TILE_WIDTH + k, ...urls, ...extra });
  let o = 0;
  for (let k = 0; k < width; k++) {
    if (o + 2 > bundle.length) throw at(k, `bundle ends after ${k} of ${width} entries`, { offset: o });
    const n = bundle[o]! * 256 + bundle[o + 1]!;
    if (o + 2 + n > bundle.length) throw at(k, `entry of ${n} bytes is truncated`, { offset: o });
    // The leaf tile must hash exactly these bytes (RFC 6962 §2.1 leaf hash), compared in place.
    if (leavesChecked) {
      // every entry is 41 bytes and its leaf hash is in the tile (BundleHasher.hashBundle)
    } else if (n === FAST_ENTRY_SIZE ? !leafMatches(bundle, o + 2, leaves, k * HASH_SIZE) : !equalAt(leafHash(bundle.subarray(o + 2, o + 2 + n)), leaves, k * HASH_SIZE)) {
      const entry = bundle.subarray(o + 2, o + 2 + n);
      const found = toHex(leaves.subarray(k * HASH_SIZE, (k + 1) * HASH_SIZE));
      throw at(k, 'the level-0 tile hash is not the leaf hash of the bundle entry', { expected: toHex(leafHash(entry)), found, entry: toHex(entry) });
    }
    // The entry itself (design §4).
    if (n !== ENTRY_SIZE) throw at(k, `entry is ${n} bytes, want ${ENTRY_SIZE}`, { entry: toHex(bundle.subarray(o + 2, o + 2 + n)) });
    if (bundle[o + 2] !== ENTRY_TYPE_RUN_DECLARED) throw at(k, `unknown entry type 0x${bundle[o + 2]!.toString(16).padStart(2, '0')}`, { entry: toHex(bundle.subarray(o + 2, o + 2 + n)) });
    const time = readTime(bundle, o + 2);
    if (!Number.isSafeInteger(time)) throw at(k, 'entry time is above 2^53-1', { entry: toHex(bundle.subarray(o + 2, o + 2 + n)) });
    if (time < lastTime) throw at(k, `time ${time} is before the previous entry's ${lastTime}`, { expected: `≥ ${lastTime}`, found: time });
    const earlier = ids.add(bundle, o + 2 + 9);
    if (earlier >= 0) {
      const identity = formatIdentity(bundle.subarray(o + 2 + 9, o + 2 + n));
      throw at(k, `identity ${identity} was already logged at index ${earlier}`, { identity, earlier });
    }
    lastTime = time;
    o += ENTRY_WITH_PREFIX;
  }
  if (o !== bundle.length) {
    throw fail(`bundle ${b}: ${bundle.length - o} bytes after its ${width} entries`, { index: b * TILE_WIDTH + width, ...urls });
  }
  return lastTime;
}

const tileWork = new Uint8Array(TILE_WIDTH * HASH_SIZE);

/**
 * fullTileHash writes the Merkle hash of a full tile's 256 hashes (the tree node 8 levels up,
 * c2sp.org/tlog-tiles) to `out` at `at`, folding pairs in place in one scratch buffer.
 */
function fullTileHash(tile: Uint8Array, out: Uint8Array, at: number): void {
  tileWork.set(tile);
  foldTile(tileWork, TILE_WIDTH);
  for (let i = 0; i < HASH_SIZE; i++) out[at + i] = tileWork[i]!;
}

/** equalAt tells whether `hash` equals the 32 bytes of `data` at `offset`. */
function equalAt(hash: Uint8Array, data: Uint8Array, offset: number): boolean {
  for (let i = 0; i < HASH_SIZE; i++) if (hash[i] !== data[offset + i]) return false;
  return true;
}

/** checkTile compares a served tile at level ≥ 1 with the hashes recomputed from the entries. */
function checkTile(tile: Tile, served: Uint8Array, want: Uint8Array, url: string): void {
  for (let k = 0; k < tile.width; k++) {
    const a = served.subarray(k * HASH_SIZE, (k + 1) * HASH_SIZE);
    const e = want.subarray(k * HASH_SIZE, (k + 1) * HASH_SIZE);
    if (!equalBytes(a, e)) {
      const first = (tile.index * TILE_WIDTH + k) * TILE_WIDTH ** tile.level;
      throw fail(`tile level ${tile.level} hash ${tile.index * TILE_WIDTH + k} (entries from ${first}) is not the hash recomputed from the entries`, {
        index: first,
        tile: tilePath(tile),
        url,
        expected: toHex(e),
        found: toHex(a),
      });
    }
  }
}

/** identitiesOf copies identities [from, to) (by position) out of the set. */
function identitiesOf(ids: IdentitySet, from: number, to: number): Uint8Array {
  const out = new Uint8Array((to - from) * HASH_SIZE);
  for (let p = from; p < to; p++) out.set(ids.identity(p), (p - from) * HASH_SIZE);
  return out;
}
