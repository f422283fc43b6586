/**
 * The full audit of a runproof log over c2sp.org/tlog-tiles: download every entry bundle and hash
 * tile of the current checkpoint's tree and re-derive everything the log signed.
 *
 *   - the checkpoint verifies under the trust root (log key, or policy with its quorum);
 *   - the entry rules (src/note/entry-rules.ts): every entry is 41 bytes, of type 0x01, times never
 *     decrease, no identity twice;
 *   - every level-0 tile hash is the RFC 6962 leaf hash of the bundle entry at that index;
 *   - every tile at level ≥ 1 holds the Merkle hashes of the full tiles below it, as recomputed
 *     here from the entries (c2sp.org/tlog-tiles "Merkle Tree");
 *   - the root recomputed from the entries equals the signed root.
 *
 * The first fault stops the audit with AUDIT_FAILED and evidence (the index, what was expected
 * and found, the URLs). An entry-rule fault is seen in unsigned answers: before it is held
 * against the log it is proven against the signed root (fault-evidence.ts; `evidence.proven`),
 * with proofs read from the log's tiles or, if it does not serve them, built from the tree the
 * audit recomputes from the rest of the bundles (only hashed then: {@link settlePending});
 * a bundle read again that differs from the one audited never is (`proven: false`). Bundles and level-0 tiles are fetched with bounded
 * concurrency and checked in log order; hashing reads the bundle bytes in place with no
 * per-entry objects (hasher.ts), and a BundleHasher option can move it off the main thread
 * (worker-hasher.ts, which the CLI uses): a full bundle it vouches for skips only the leaf
 * comparisons, any other is checked here entry by entry, so the first fault reported is the
 * same. Progress can be saved and resumed (see state.ts).
 */
import { RunproofError, isRunproofError } from '../../src/errors.js';
import { toBase64 } from '../../src/encoding/base64.js';
import { toHex } from '../../src/encoding/hex.js';
import { formatIdentity } from '../../src/declaration/identity.js';
import { equalBytes } from '../../src/encoding/utf8.js';
import { HASH_SIZE, leafHash } from '../../src/merkle/hash.js';
import { type HashReader, rootFromHashes, rootNodes } from '../../src/merkle/tree.js';
import { type Tile, TILE_WIDTH, entriesPath, tilePath, tileReader, tileWidthAt } from '../../src/merkle/tiles.js';
import { ENTRY_IDENTITY_OFFSET, entryTime } from '../../src/note/entry.js';
import { checkEntry, type EntryFault, type EntryRulesState } from '../../src/note/entry-rules.js';
import { verifyCheckpoint, type ReceiptTrust, type WitnessVerdict } from '../../src/receipt/verify.js';
import type { LogClient } from '../log-client.js';
import { type HeldBundle, PendingFault, proveFromRecomputed, proveRuleFault, rereadMismatch } from './fault-evidence.js';
import { FAST_ENTRY_SIZE, bundleLeaves, foldTile, hashFullBundle, leafMatches } from './hasher.js';
import { IdentitySet } from './identity-set.js';
import { inOrder } from './ordered.js';
import { savedPrefixProblem } from './resume-check.js';
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
  /**
   * Why saved progress was not used and the audit started from the beginning, if it was
   * discarded: it is not proven to be the start of the tree signed now (state.ts).
   */
  progressDiscarded?: string;
  /** Hash tiles and entry bundles downloaded in this run. */
  tilesFetched: number;
  bundlesFetched: number;
  /** Time of the first and last entry (ms), if any. */
  firstTime?: number;
  lastTime?: number;
}

/** Bytes per bundle record: a big-endian uint16 length and the entry (c2sp.org/tlog-tiles). */
const RECORD_PREFIX = 2;

function fail(message: string, evidence: Record<string, unknown>): RunproofError {
  return new RunproofError('AUDIT_FAILED', message, { evidence });
}

/**
 * Everything one audit run knows, shared by its passes: the checkpoint under audit, what has
 * been re-derived so far and the counters for the report.
 */
interface AuditRun {
  client: LogClient;
  opts: AuditOptions;
  concurrency: number;
  /** The signed checkpoint note and what it commits to. */
  note: string;
  origin: string;
  size: number;
  root: Uint8Array;
  witnesses: WitnessVerdict[];
  fullBundles: number;
  allBundles: number;
  /** The first bundle downloaded (the ones before come from saved progress). */
  start: number;
  /** Identities seen so far, in log order (keys only: a candidate repeat is confirmed by {@link sameIdentity}). */
  ids: IdentitySet;
  /** The identities of the entries before `start`, from saved progress (empty without). */
  resumed: Uint8Array;
  /** With a state store: the identities of the entries from `savedUpTo` on, for the next save. */
  unsaved: Uint8Array;
  unsavedBytes: number;
  /** The entry rules' state (the latest time). */
  rules: EntryRulesState;
  firstTime: number | undefined;
  /** The recomputed Merkle hash of each full level-0 tile, in order. */
  tileHashes: Uint8Array;
  /** The leaf hashes of the partial right-edge bundle, if any. */
  lastLeaves: Uint8Array;
  /** Full bundles whose progress is saved. */
  savedUpTo: number;
  /** Why the saved progress was discarded, if it was. */
  progressDiscarded?: string;
  /**
   * An entry-rule fault whose proof tiles the log did not serve: the rest of the pass only
   * hashes the bundles, to prove it from the recomputed tree ({@link settlePending}).
   */
  pending?: PendingFault;
  /**
   * The last full bundle checked in this pass (a reference, not a copy: answers are never reused
   * buffers), so that a time going back at the next bundle's first entry is proven without
   * reading this one again — which the log could refuse.
   */
  previous?: HeldBundle;
  tilesFetched: number;
  bundlesFetched: number;
}

/**
 * audit downloads and re-derives the whole log at `client` against its current checkpoint.
 * @throws RunproofError AUDIT_FAILED with evidence on the first fault (`evidence.proven` for a
 *   broken entry rule, false for a changed re-read: fault-evidence.ts); the checkpoint's own codes
 *   (INVALID_SIGNATURE, ORIGIN_MISMATCH, QUORUM_NOT_MET, …) if it does not verify; UNREACHABLE /
 *   UNAVAILABLE if the log cannot be read (a resource its checkpoint requires is missing) — not
 *   once an entry-rule fault is seen, which is AUDIT_FAILED whatever the log serves after it
 */
export async function audit(client: LogClient, opts: AuditOptions): Promise<AuditReport> {
  const run = await beginRun(client, opts);
  try {
    await checkLevelZero(run);
  } catch (e) {
    if (run.pending !== undefined && isRunproofError(e)) throw run.pending.unprovable(`the pass over the bundles after it did not complete: ${e.message}`);
    throw e;
  }
  const computed = recomputedLevels(run);
  if (run.pending !== undefined) throw settlePending(run, run.pending, computed);
  await checkUpperLevels(run, computed);
  checkRoot(run, computed);
  await saveProgress(run, run.fullBundles);
  const report: AuditReport = {
    origin: run.origin,
    size: run.size,
    root: toBase64(run.root),
    checkpoint: run.note,
    witnesses: run.witnesses,
    resumedFrom: run.start * TILE_WIDTH,
    tilesFetched: run.tilesFetched,
    bundlesFetched: run.bundlesFetched,
  };
  if (run.progressDiscarded !== undefined) report.progressDiscarded = run.progressDiscarded;
  if (run.firstTime !== undefined) report.firstTime = run.firstTime;
  if (run.size > 0) report.lastTime = run.rules.lastTime;
  return report;
}

/**
 * beginRun verifies the current checkpoint and resumes from saved progress when it is proven a
 * prefix of this tree (resume-check.ts); otherwise it discards the progress and starts at 0.
 */
async function beginRun(client: LogClient, opts: AuditOptions): Promise<AuditRun> {
  const note = await client.checkpoint();
  const trusted = verifyCheckpoint(note, opts.trust);
  const { origin, size, root } = trusted.opened.checkpoint;
  const fullBundles = Math.floor(size / TILE_WIDTH);
  let saved = opts.state !== undefined ? await opts.state.load(origin) : undefined;
  if (saved !== undefined) checkSaved(saved, origin);
  let progressDiscarded: string | undefined;
  if (saved !== undefined && saved.bundles > fullBundles) {
    progressDiscarded = `it covers ${saved.bundles * TILE_WIDTH} entries, more than the checkpoint's ${size}`;
  } else if (saved !== undefined && saved.bundles > 0) {
    // Saved progress is unsigned: use it only if it is the start of the tree signed now.
    progressDiscarded = await savedPrefixProblem(client, saved.tileHashes, saved.bundles, size, root);
  }
  // The audit then starts from 0, and its first save replaces the files (AuditStateStore.save).
  if (progressDiscarded !== undefined) saved = undefined;
  const start = saved?.bundles ?? 0;
  const run: AuditRun = {
    client,
    opts,
    concurrency: Math.max(1, opts.concurrency ?? 32),
    note,
    origin,
    size,
    root,
    witnesses: trusted.witnesses,
    fullBundles,
    allBundles: Math.ceil(size / TILE_WIDTH),
    start,
    // Sized for the tree up front (a shard given more than its share doubles alone), within
    // reason: the size is only the log's claim.
    ids: new IdentitySet(Math.min(size, 1 << 21)),
    resumed: saved?.identities.subarray(0, start * TILE_WIDTH * HASH_SIZE) ?? new Uint8Array(0),
    unsaved: new Uint8Array(0),
    unsavedBytes: 0,
    rules: { lastTime: 0 },
    firstTime: undefined,
    tileHashes: hashBuffer(fullBundles, size),
    lastLeaves: new Uint8Array(0),
    savedUpTo: start,
    tilesFetched: 0,
    bundlesFetched: 0,
  };
  if (progressDiscarded !== undefined) run.progressDiscarded = progressDiscarded;
  if (saved !== undefined) {
    const ids = run.resumed;
    for (let o = 0; o < ids.length; o += HASH_SIZE) {
      // A candidate is compared with the saved identity; a repeat is not added again (as before).
      // A repeat cannot be in progress an audit saved: such progress would shift every later
      // position (the set numbers what it holds) and hide repeats that sameLocal compares by position.
      const distinct: number[] = [];
      for (let p = run.ids.add(ids, o, distinct); p >= 0; p = run.ids.add(ids, o, distinct)) {
        if (sameBytes(ids, p * HASH_SIZE, ids, o)) throw unusableProgress(`the identity of entry ${o / HASH_SIZE} repeats entry ${p}'s`);
        distinct.push(p);
      }
    }
    run.tileHashes.set(saved.tileHashes.subarray(0, start * HASH_SIZE));
    run.rules.lastTime = saved.lastTime;
  }
  return run;
}

function unusableProgress(why: string): RunproofError {
  return new RunproofError('MALFORMED_REQUEST', `the saved audit progress is unusable (${why}); remove it to start over`);
}

/**
 * checkSaved refuses progress that breaks the AuditStateStore contract (state.ts) in a way the
 * audit would otherwise trust: missing identities would shift positions (a repeat of a later
 * entry goes unseen), missing tile hashes would be blamed on the log as a wrong root, another
 * log's progress would be taken for this one's.
 * @throws RunproofError MALFORMED_REQUEST
 */
function checkSaved(saved: AuditProgress, origin: string): void {
  const { bundles } = saved;
  if (saved.origin !== origin) throw unusableProgress(`it is for log ${JSON.stringify(saved.origin)}, not ${JSON.stringify(origin)}`);
  if (!Number.isSafeInteger(bundles) || bundles < 0) throw unusableProgress(`${bundles} bundles`);
  if (!Number.isSafeInteger(saved.lastTime) || saved.lastTime < 0) throw unusableProgress(`last time ${saved.lastTime}`);
  // A last time is an entry's: progress of no bundle has none (a time before entry 0 would be blamed on it).
  if (bundles === 0 && saved.lastTime !== 0) throw unusableProgress(`last time ${saved.lastTime} without any bundle`);
  if (saved.identities.length < bundles * TILE_WIDTH * HASH_SIZE) throw unusableProgress(`${saved.identities.length} bytes of identities for ${bundles} bundles`);
  if (saved.tileHashes.length < bundles * HASH_SIZE) throw unusableProgress(`${saved.tileHashes.length} bytes of tile hashes for ${bundles} bundles`);
}

/** saveProgress stores the bundles [savedUpTo, upTo) if there is a state store and anything new. */
async function saveProgress(run: AuditRun, upTo: number): Promise<void> {
  if (run.opts.state === undefined || upTo === run.savedUpTo) return;
  const progress: AuditProgress = {
    origin: run.origin,
    bundles: upTo,
    lastTime: run.rules.lastTime,
    identities: takeUnsaved(run, (upTo - run.savedUpTo) * TILE_WIDTH * HASH_SIZE),
    tileHashes: run.tileHashes.slice(run.savedUpTo * HASH_SIZE, upTo * HASH_SIZE),
  };
  await run.opts.state.save(run.savedUpTo, progress);
  run.savedUpTo = upTo;
}

/** A downloaded bundle with its level-0 tile, and the hasher's answer for it if it has one. */
interface Fetched {
  b: number;
  width: number;
  bundle: Uint8Array;
  leaves: Uint8Array;
  /** Why its level-0 tile was not read: thrown when it is checked, unless a fault is pending by then. */
  tileError?: unknown;
  hashed?: Promise<Uint8Array | undefined>;
}

/**
 * checkLevelZero downloads every bundle and level-0 tile from `run.start` on, with bounded
 * concurrency, and checks them in log order: leaf hashes, entry rules, tile hashes for the
 * levels above. With a hasher, up to `concurrency` full bundles are being hashed while the next
 * download; each is checked (times, identities, …) in log order once its hashes are in.
 */
async function checkLevelZero(run: AuditRun): Promise<void> {
  const { client, size } = run;
  const fetchBundle = async (b: number): Promise<Fetched> => {
    const width = tileWidthAt(0, b, size);
    const tile: Tile = { level: 0, index: b, width };
    // With a fault pending only the bundles are hashed: the level-0 tiles are not needed.
    // A level-0 tile that fails is held until this bundle is checked: by then a fault may be
    // pending, and the tile no longer needed.
    const [bundle, leaves] = await Promise.all([
      readLog(() => client.entries(b, width), client.url(entriesPath(b, width)), size),
      run.pending !== undefined ? new Uint8Array(0) : readLog(() => client.tile(tile), client.url(tilePath(tile)), size).catch((e: unknown) => ({ error: e })),
    ]);
    if (leaves instanceof Uint8Array) return { b, width, bundle, leaves };
    return { b, width, bundle, leaves: new Uint8Array(0), tileError: leaves.error };
  };
  const hasher = run.opts.hasher;
  const hashing: Fetched[] = [];
  const downloads = inOrder<Fetched>(run.start, run.allBundles, run.concurrency, fetchBundle)[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Fetched>;
    try {
      next = await downloads.next();
    } catch (e) {
      // A later download failed: a fault in the bundles already downloaded comes first, as it
      // would without a hasher (log order), so the report does not depend on the hasher.
      while (hashing.length > 0) await checkFetched(run, hashing.shift()!);
      throw e;
    }
    if (next.done === true) break;
    const f = next.value;
    run.bundlesFetched++;
    run.tilesFetched++;
    if (f.tileError !== undefined) {
      while (hashing.length > 0) await checkFetched(run, hashing.shift()!);
      if (run.pending === undefined) throw f.tileError;
    }
    if (hasher !== undefined && f.width === TILE_WIDTH && run.pending === undefined) {
      f.hashed = hasher.hashBundle(f.bundle, f.leaves);
      f.hashed.catch(() => undefined); // rethrown when checked; an earlier fault abandons it
      hashing.push(f);
      if (hashing.length > run.concurrency) await checkFetched(run, hashing.shift()!);
    } else {
      while (hashing.length > 0) await checkFetched(run, hashing.shift()!);
      await checkFetched(run, f);
    }
  }
  while (hashing.length > 0) await checkFetched(run, hashing.shift()!);
}

/** checkFetched checks one downloaded bundle in log order, records its tile hash and saves progress when due. */
async function checkFetched(run: AuditRun, f: Fetched): Promise<void> {
  if (run.pending !== undefined) return hashOnly(run, f);
  const { b, width, bundle, leaves } = f;
  // A full bundle the hasher vouched for has every leaf hash checked and its tile hash known.
  // Without a hasher, a full bundle is hashed here the same way (hashFullBundle: four hashes at a
  // time with WebAssembly SIMD where there is one); any bundle it refuses is checked entry by entry.
  const tileHash = f.hashed !== undefined ? await f.hashed : width === TILE_WIDTH ? hashFullBundle(bundle, leaves) : undefined;
  const urls = { bundle: run.client.url(entriesPath(b, width)), tile: run.client.url(tilePath({ level: 0, index: b, width })) };
  // An identity whose key matches an earlier one in another bundle stops the check there; the
  // earlier entry is read again and compared, and the check resumes at that entry, told the answer.
  const known = new Map<number, boolean>();
  for (let from = 0; ;) {
    try {
      checkBundle(run, b, width, bundle, leaves, urls, tileHash !== undefined, from, known);
      break;
    } catch (e) {
      // Seen in served data: proven against the signed tree before it is held against the log.
      if (e instanceof RuleFault) {
        const verdict = await proveRuleFault(run, b, bundle, b * TILE_WIDTH + e.k, e.fault, e.seen, run.previous);
        if (verdict instanceof RunproofError) throw verdict;
        // No progress is saved from here on: a resumed audit meets the fault again.
        run.pending = verdict;
        return hashOnly(run, f);
      }
      if (!(e instanceof Unconfirmed)) throw e;
      if (e.k !== from) known.clear();
      from = e.k;
      known.set(e.position, await confirm(run, b * TILE_WIDTH + e.k, e, bundle));
    }
  }
  if (run.opts.state !== undefined) keepUnsaved(run, bundle, width);
  if (run.firstTime === undefined && b === 0) run.firstTime = entryTime(bundle, RECORD_PREFIX);
  if (width !== TILE_WIDTH) run.lastLeaves = leaves;
  else if (tileHash !== undefined) run.tileHashes.set(tileHash, b * HASH_SIZE);
  else fullTileHash(leaves, run.tileHashes, b * HASH_SIZE);
  if (width === TILE_WIDTH) run.previous = { b, bundle };
  run.opts.onProgress?.(Math.min(run.size, (b + 1) * TILE_WIDTH), run.size);
  const saveEvery = Math.max(1, run.opts.saveEvery ?? 64);
  if (width === TILE_WIDTH && (b + 1 - run.savedUpTo >= saveEvery || b + 1 === run.fullBundles)) await saveProgress(run, b + 1);
}

/**
 * hashOnly records the tile hash (or, for the partial bundle, the leaf hashes) of a bundle from
 * its own bytes, checking no rule: a fault is pending, and what is needed now is the tree.
 * @throws RunproofError AUDIT_FAILED if the bundle is not `width` records
 */
function hashOnly(run: AuditRun, f: Fetched): void {
  const { b, width, bundle } = f;
  const leaves = bundleLeaves(bundle, width);
  if (leaves === undefined) {
    const url = run.client.url(entriesPath(b, width));
    throw fail(`the log served a malformed resource: ${url} is not ${width} entries`, { url });
  }
  if (width !== TILE_WIDTH) run.lastLeaves = leaves;
  else fullTileHash(leaves, run.tileHashes, b * HASH_SIZE);
  run.opts.onProgress?.(Math.min(run.size, (b + 1) * TILE_WIDTH), run.size);
}

/**
 * fullBundleHash returns the leaf hashes of the entries of a full bundle, whatever their size,
 * and their tile hash (the node 8 levels up); undefined if it is not 256 records.
 */
function fullBundleHash(bundle: Uint8Array): { leaves: Uint8Array; hash: Uint8Array } | undefined {
  const leaves = bundleLeaves(bundle, TILE_WIDTH);
  if (leaves === undefined) return undefined;
  const hash = new Uint8Array(HASH_SIZE);
  fullTileHash(leaves, hash, 0);
  return { leaves, hash };
}

/** auditedHash returns the tile hash recomputed for full bundle `b`. */
function auditedHash(run: AuditRun, b: number): Uint8Array {
  return run.tileHashes.subarray(b * HASH_SIZE, (b + 1) * HASH_SIZE);
}

/**
 * recomputedLevels folds the recomputed level-8 hashes into the hashes of every tile level above,
 * and returns them per tile level (level 0: the partial bundle's leaves; level 1: `tileHashes`).
 */
function recomputedLevels(run: AuditRun): Uint8Array[] {
  const { size } = run;
  const computed: Uint8Array[] = [run.lastLeaves, run.tileHashes];
  for (let level = 1; Math.floor(size / TILE_WIDTH ** level) > 0; level++) {
    const below = computed[level]!;
    const fullAbove = Math.floor(size / TILE_WIDTH ** (level + 1));
    const above = hashBuffer(fullAbove, size);
    for (let j = 0; j < fullAbove; j++) fullTileHash(below.subarray(j * TILE_WIDTH * HASH_SIZE, (j + 1) * TILE_WIDTH * HASH_SIZE), above, j * HASH_SIZE);
    computed.push(above);
  }
  return computed;
}

/**
 * checkUpperLevels checks every served tile at level ≥ 1 against the hashes recomputed from the
 * entries ({@link recomputedLevels}).
 */
async function checkUpperLevels(run: AuditRun, computed: readonly Uint8Array[]): Promise<void> {
  const { client, size } = run;
  for (let level = 1; Math.floor(size / TILE_WIDTH ** level) > 0; level++) {
    const below = computed[level]!;
    const count = Math.ceil(Math.floor(size / TILE_WIDTH ** level) / TILE_WIDTH);
    const fetchTile = async (j: number) => {
      const tile: Tile = { level, index: j, width: tileWidthAt(level, j, size) };
      return { tile, data: await readLog(() => client.tile(tile), client.url(tilePath(tile)), size) };
    };
    for await (const { tile, data } of inOrder(0, count, run.concurrency, fetchTile)) {
      run.tilesFetched++;
      const want = below.subarray(tile.index * TILE_WIDTH * HASH_SIZE, (tile.index * TILE_WIDTH + tile.width) * HASH_SIZE);
      checkTile(tile, data, want, client.url(tilePath(tile)));
    }
  }
}

/**
 * recomputedReader reads node hashes from the recomputed tree: `computed` ({@link recomputedLevels},
 * whose level 0 is the partial bundle's) and the leaf hashes of the full bundles in `leafTiles`,
 * by bundle index.
 */
function recomputedReader(run: AuditRun, computed: readonly Uint8Array[], leafTiles: ReadonlyMap<number, Uint8Array> = new Map()): HashReader {
  return tileReader(run.size, (t: Tile): Uint8Array => {
    if (t.level === 0 && t.index !== run.fullBundles) {
      const leaves = leafTiles.get(t.index);
      if (leaves === undefined) throw new Error(`audit: no leaf hashes of bundle ${t.index} at hand (bug)`);
      return leaves;
    }
    const data = computed[t.level]!;
    const from = t.level === 0 ? 0 : t.index * TILE_WIDTH * HASH_SIZE;
    return data.subarray(from, from + t.width * HASH_SIZE);
  });
}

/** recomputedRoot returns the root of the recomputed tree. */
function recomputedRoot(run: AuditRun, computed: readonly Uint8Array[]): Uint8Array {
  return rootFromHashes(run.size, recomputedReader(run, computed)(rootNodes(run.size)));
}

/** checkRoot recomputes the root from the recomputed hashes only and compares it with the signed one. */
function checkRoot(run: AuditRun, computed: readonly Uint8Array[]): void {
  const { size, root } = run;
  const got = recomputedRoot(run, computed);
  if (!equalBytes(got, root)) {
    throw fail(`the root of the ${size} entries served is not the signed root`, {
      checkpoint: run.note,
      expected: toBase64(root),
      found: toBase64(got),
    });
  }
}

/**
 * settlePending proves the pending fault from the audit's own tree once the pass is over, and
 * returns the error to throw: proven (fault-evidence.ts) if the recomputed root is the signed one
 * and the bundles of the fault's entries, as read for it, hash to the tile hashes recomputed for
 * them; else the fault left unproven, saying why.
 */
function settlePending(run: AuditRun, pending: PendingFault, computed: readonly Uint8Array[]): RunproofError {
  if (!equalBytes(recomputedRoot(run, computed), run.root)) return pending.unprovable('the root recomputed from the bundles served is not the signed root');
  const leafTiles = new Map<number, Uint8Array>();
  for (const [b, bundle] of pending.bundles) {
    // The partial bundle can only be the fault's own, whose leaves hashOnly took from these bytes.
    if (b === run.fullBundles) continue;
    const got = fullBundleHash(bundle);
    if (got === undefined || !equalBytes(got.hash, auditedHash(run, b))) return pending.unprovable(`bundle ${b} as read for the proof is not the bundle audited`);
    leafTiles.set(b, got.leaves);
  }
  return proveFromRecomputed(run, pending, recomputedReader(run, computed, leafTiles));
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

/**
 * checkBundle verifies bundle `b` of `width` entries from entry `from` on against its level-0
 * tile (unless `leavesChecked`: a BundleHasher already matched every leaf hash) and the entry
 * rules (src/note/entry-rules.ts), throwing AUDIT_FAILED at the first fault. An identity whose
 * key matches one in an earlier bundle throws {@link Unconfirmed}: the caller compares the two
 * and checks again from that entry, with the answer in `known` (by the earlier position).
 */
function checkBundle(
  run: AuditRun,
  b: number,
  width: number,
  bundle: Uint8Array,
  leaves: Uint8Array,
  urls: { bundle: string; tile: string },
  leavesChecked: boolean,
  from: number,
  known: ReadonlyMap<number, boolean>,
): void {
  const { rules, ids } = run;
  const at = (k: number, why: string, extra: Record<string, unknown> = {}) =>
    fail(`entry ${b * TILE_WIDTH + k}: ${why}`, { index: b * TILE_WIDTH + k, ...urls, ...extra });
  let k = from;
  const seen = (data: Uint8Array, offset: number) => {
    let p = ids.add(data, offset);
    if (p < 0) return undefined;
    // A candidate repeat (the same 64-bit key): compare the identities, where they are at hand.
    const distinct: number[] = [];
    for (; p >= 0; p = ids.add(data, offset, distinct)) {
      const same = k === from ? known.get(p) : undefined;
      const local = same ?? sameLocal(run, p, b, data, offset);
      if (local === undefined) throw new Unconfirmed(k, p, offset);
      if (local) return p;
      distinct.push(p);
    }
    return undefined;
  };
  // One callback per bundle, not per entry: the audit reads millions of entries.
  const onFault = (fault: EntryFault) => {
    throw new RuleFault(k, fault, at(k, fault.message, fault.evidence));
  };
  // Every record before `from` was a 41-byte entry (checked in an earlier pass).
  let o = from * (RECORD_PREFIX + FAST_ENTRY_SIZE);
  // Keys for the identities where 41-byte entries have them, their table slots read ahead
  // (IdentitySet.prefetch); a record of another size faults before its identity is added.
  const record = RECORD_PREFIX + FAST_ENTRY_SIZE;
  ids.prefetch(bundle, o + RECORD_PREFIX + ENTRY_IDENTITY_OFFSET, record, Math.max(0, Math.min(width - from, Math.floor((bundle.length - o) / record))));
  try {
    for (; k < width; k++) {
      if (o + RECORD_PREFIX > bundle.length) throw at(k, `bundle ends after ${k} of ${width} entries`, { offset: o });
      const n = bundle[o]! * 256 + bundle[o + 1]!;
      const e = o + RECORD_PREFIX;
      if (e + n > bundle.length) throw at(k, `entry of ${n} bytes is truncated`, { offset: o });
      // The leaf tile must hash exactly these bytes (RFC 6962 §2.1 leaf hash), compared in place.
      if (leavesChecked) {
        // every entry has the size the hasher hashes and its leaf hash is in the tile (BundleHasher.hashBundle)
      } else if (n === FAST_ENTRY_SIZE ? !leafMatches(bundle, e, leaves, k * HASH_SIZE) : !equalAt(leafHash(bundle.subarray(e, e + n)), leaves, k * HASH_SIZE)) {
        const entry = bundle.subarray(e, e + n);
        const found = toHex(leaves.subarray(k * HASH_SIZE, (k + 1) * HASH_SIZE));
        throw at(k, 'the level-0 tile hash is not the leaf hash of the bundle entry', { expected: toHex(leafHash(entry)), found, entry: toHex(entry) });
      }
      checkEntry(bundle, e, n, b * TILE_WIDTH + k, rules, seen, onFault);
      o = e + n;
    }
  } finally {
    ids.endPrefetch();
  }
  if (o !== bundle.length) {
    throw fail(`bundle ${b}: ${bundle.length - o} bytes after its ${width} entries`, { index: b * TILE_WIDTH + width, ...urls });
  }
}

/**
 * hashBuffer allocates room for `count` hashes of a tree of `size` entries. A size the log signed
 * may need more memory than this process can have (32 bytes per 256 entries: 2^49 bytes at
 * 2^52): that is a typed verdict, not a crash.
 * @throws RunproofError UNSUPPORTED_SIZE
 */
function hashBuffer(count: number, size: number): Uint8Array {
  try {
    return new Uint8Array(count * HASH_SIZE);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new RunproofError('UNSUPPORTED_SIZE', `auditing a tree of ${size} entries needs ${count * HASH_SIZE} bytes of hashes in memory, more than this process can allocate`, { cause: e });
  }
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

/**
 * Thrown by checkBundle when entry `k` breaks an entry rule: `seen` is the fault as seen in the
 * served bundle, which checkFetched proves against the signed tree (fault-evidence.ts) first.
 */
class RuleFault {
  constructor(
    readonly k: number,
    readonly fault: EntryFault,
    readonly seen: RunproofError,
  ) {}
}

/**
 * Thrown by checkBundle when the identity of entry `k` (at `offset` in the bundle) has the key
 * of the identity at `position`, which is in an earlier bundle: {@link sameIdentity} compares them.
 */
class Unconfirmed {
  constructor(
    readonly k: number,
    readonly position: number,
    readonly offset: number,
  ) {}
}

/** sameBytes tells whether the identities at `a[i …]` and `b[j …]` are equal. */
function sameBytes(a: Uint8Array, i: number, b: Uint8Array, j: number): boolean {
  for (let n = 0; n < HASH_SIZE; n++) if (a[i + n] !== b[j + n]) return false;
  return true;
}

/**
 * sameLocal compares the identity at `data[offset …]` with the one at `position` if that one is
 * at hand: from saved progress, or earlier in bundle `b` (whose records before it are all 41-byte
 * entries); undefined if it is in an earlier bundle.
 */
function sameLocal(run: AuditRun, position: number, b: number, data: Uint8Array, offset: number): boolean | undefined {
  if (position < run.start * TILE_WIDTH) return sameBytes(run.resumed, position * HASH_SIZE, data, offset);
  const k = position - b * TILE_WIDTH;
  if (k < 0) return undefined;
  return sameBytes(data, k * (RECORD_PREFIX + FAST_ENTRY_SIZE) + RECORD_PREFIX + ENTRY_IDENTITY_OFFSET, data, offset);
}

/**
 * sameIdentity reads the full bundle holding entry `position` again and tells whether its
 * identity equals the one at `data[offset …]`. The bundle must be the one audited: its leaf
 * hashes must fold to the tile hash recomputed from it before (else two answers for one bundle
 * disagree: AUDIT_FAILED, proven: false). A repeat it confirms is proven with the rest of the
 * fault (fault-evidence.ts); the bundle audited is tied to the signed root by the root check.
 */
async function sameIdentity(run: AuditRun, position: number, data: Uint8Array, offset: number): Promise<boolean> {
  const b = Math.floor(position / TILE_WIDTH);
  if (b >= run.fullBundles) throw new Error(`audit: entry ${position} is not in an audited full bundle (bug)`);
  const url = run.client.url(entriesPath(b, TILE_WIDTH));
  const bundle = await readLog(() => run.client.entries(b, TILE_WIDTH), url, run.size);
  run.bundlesFetched++;
  const got = fullBundleHash(bundle);
  const audited = auditedHash(run, b);
  if (got === undefined || !equalBytes(got.hash, audited)) {
    const seen = fail(`bundle ${b}, read again to compare entry ${position}'s identity, is not the bundle audited`, {
      index: position,
      bundle: url,
      expected: toHex(audited),
      found: got === undefined ? 'not 256 entries' : toHex(got.hash),
    });
    // Both answers are unsigned: the audit fails, but this is not evidence against the log.
    throw rereadMismatch(run, bundle, seen);
  }
  // Its tile hash is the audited one's: it is the bundle audited, 256 records of 41 bytes.
  const at = (position - b * TILE_WIDTH) * (RECORD_PREFIX + FAST_ENTRY_SIZE) + RECORD_PREFIX + ENTRY_IDENTITY_OFFSET;
  return sameBytes(bundle, at, data, offset);
}

/**
 * confirm runs {@link sameIdentity} for entry `index`. If the earlier bundle cannot be read again
 * (UNAVAILABLE, UNREACHABLE), the repeat is unproven, not disproven: the audit fails with
 * `proven: false`, naming both entries and the identity — neither hidden behind a plain "not
 * served" nor turned into a "try again later" (a log holding a real repeat could refuse exactly
 * that one read every time).
 */
async function confirm(run: AuditRun, index: number, u: Unconfirmed, data: Uint8Array): Promise<boolean> {
  try {
    return await sameIdentity(run, u.position, data, u.offset);
  } catch (e) {
    if (!isRunproofError(e, 'UNAVAILABLE') && !isRunproofError(e, 'UNREACHABLE')) throw e;
    const identity = formatIdentity(data.subarray(u.offset, u.offset + HASH_SIZE));
    const why = `the log did not serve what would confirm it: ${e.message}`;
    throw new RunproofError('AUDIT_FAILED', `entry ${index}'s identity ${identity} has the key of entry ${u.position}'s, a likely repeat left unproven (${why}); not evidence that the log broke its rules`, {
      evidence: { index, earlier: u.position, identity, ...e.evidence, proven: false, why },
      cause: e,
    });
  }
}

/** keepUnsaved appends the identities of a checked bundle for the next progress save. */
function keepUnsaved(run: AuditRun, bundle: Uint8Array, width: number): void {
  const need = run.unsavedBytes + width * HASH_SIZE;
  if (need > run.unsaved.length) {
    const bigger = new Uint8Array(Math.max(need, 2 * run.unsaved.length));
    bigger.set(run.unsaved.subarray(0, run.unsavedBytes));
    run.unsaved = bigger;
  }
  for (let k = 0; k < width; k++) {
    const at = k * (RECORD_PREFIX + FAST_ENTRY_SIZE) + RECORD_PREFIX + ENTRY_IDENTITY_OFFSET;
    run.unsaved.set(bundle.subarray(at, at + HASH_SIZE), run.unsavedBytes + k * HASH_SIZE);
  }
  run.unsavedBytes = need;
}

/** takeUnsaved removes and returns the first `bytes` bytes of identities kept for saving. */
function takeUnsaved(run: AuditRun, bytes: number): Uint8Array {
  const out = run.unsaved.slice(0, bytes);
  run.unsaved.copyWithin(0, bytes, run.unsavedBytes);
  run.unsavedBytes -= bytes;
  return out;
}
