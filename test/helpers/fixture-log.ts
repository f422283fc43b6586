/**
 * A tile-serving fixture log for verifier tests: builds a log of N runproof entries in memory
 * with ONLY src/ (entries, leaf hashes, tile math, bundles, checkpoints, notes) and serves it on
 * 127.0.0.1:<random port> exactly as a c2sp.org/tlog-tiles log: `/checkpoint`, `/tile/<L>/<N>[.p/<W>]`,
 * `/tile/entries/<N>[.p/<W>]`.
 *
 * Faults can be switched on to break the log on purpose (see {@link FixtureFaults}); each one is
 * what a misbehaving or buggy log could really serve. The tree is kept as one contiguous buffer
 * of hashes per tile level, so building 1M entries takes seconds and about 75 MB.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { sha256 } from '@noble/hashes/sha2.js';
import { HASH_SIZE, leafHash } from '../../src/merkle/hash.js';
import { treeRoot } from '../../src/merkle/tree.js';
import { proveInclusion } from '../../src/merkle/proof.js';
import { type Tile, TILE_WIDTH, entriesPath, parseTilePath, tileReader, tileWidthAt, hashFromTileRange } from '../../src/merkle/tiles.js';
import { encodeBundle } from '../../src/merkle/bundle.js';
import { ENTRY_SIZE, encodeEntry } from '../../src/note/entry.js';
import { formatCheckpoint } from '../../src/note/checkpoint.js';
import { newSignerKey, parseSignerKey, verifierKey, SIG_COSIGNATURE_V1, type Signer } from '../../src/note/keys.js';
import { signNote } from '../../src/note/note.js';
import { cosignCheckpoint } from '../../src/note/cosignature.js';
import { formatTlogProof } from '../../src/note/tlog-proof.js';

/** Deliberate faults: each makes the served log wrong in one way. */
export interface FixtureFaults {
  /** The bundle serves a changed entry at this index (the tiles hash the original). */
  entryChanged?: number;
  /** The level-0 tile serves a wrong leaf hash at this index. */
  leafHashChanged?: number;
  /** A tile at tile level ≥ 1 serves a wrong hash at position `index` of that level. */
  interiorHashChanged?: { level: number; index: number };
  /** The checkpoint signs a root that is not the tree's root. */
  rootMismatch?: boolean;
  /** The log's signature on the checkpoint is corrupted. */
  badSignature?: boolean;
  /** The checkpoint is signed only by some other key, not the log's. */
  missingSignature?: boolean;
  /** The checkpoint names another origin (signed by a key of that name). */
  wrongOrigin?: boolean;
  /** The entry at this index is logged with a time before its predecessor's (honestly hashed). */
  timeBackwards?: number;
  /** `[i, j]`: entry j is logged with the identity of entry i (honestly hashed). */
  duplicate?: [number, number];
  /** The entry at this index is logged with type 0x02 (honestly hashed). */
  wrongType?: number;
  /** The bundle with this index is served cut short by a few bytes. */
  truncatedBundle?: number;
  /** The bundle with this index answers 404 (a resource the checkpoint requires is missing). */
  missingBundle?: number;
  /** The full bundle with this index is served with its first entry changed from its second request on. */
  changedOnReread?: number;
  /** The full bundle with this index answers 404 from its second request on (served once only). */
  missingOnReread?: number;
}

/** Options for {@link buildFixtureLog}. */
export interface FixtureOptions {
  /** Number of entries covered by the served checkpoint. */
  size: number;
  /** Entries actually stored (≥ size): a log that has grown past its checkpoint. Default `size`. */
  stored?: number;
  /** The log's origin and key name. */
  origin?: string;
  /** Time of entry 0 in ms; entry i is at start + i (with {@link FixtureFaults.timeBackwards}). */
  startTime?: number;
  /** Witness signers (type 0x04) cosigning every checkpoint at `cosignTime` seconds. */
  witnesses?: Signer[];
  cosignTime?: number;
  /** Earlier published checkpoint sizes (their partial tiles are served too). */
  history?: number[];
  /** Serve bundles gzip-compressed: with a `Content-Encoding: gzip` header, or as raw .gz bytes. */
  gzip?: 'header' | 'raw';
  /** Partial tiles and bundles answer 404 whenever the full one exists (forces the full-tile fallback). */
  partials404?: boolean;
  /**
   * Rewrite history: entry `rewriteAt` is replaced after the `history` checkpoints were signed, so
   * the served checkpoint is inconsistent with them.
   */
  rewriteAt?: number;
  /** Identities to log at given indexes instead of the synthetic ones (e.g. a real declaration's). */
  identities?: Record<number, Uint8Array>;
  faults?: FixtureFaults;
}

/** A built fixture log; call {@link FixtureLog.listen} to serve it. */
export interface FixtureLog {
  origin: string;
  signer: Signer;
  /** The log's verifier key. */
  vkey: string;
  /** The served signed checkpoint. */
  checkpoint: string;
  /** Signed checkpoints for `history` sizes, in order (signed before any rewrite). */
  historyCheckpoints: string[];
  size: number;
  /** The entry at `i` as stored (after content faults, before serving faults). */
  entry(i: number): Uint8Array;
  /** The tree root for `size` (the true one, regardless of rootMismatch). */
  root(size?: number): Uint8Array;
  /** A tlog-proof receipt for entry `index` against the served checkpoint. */
  receipt(index: number): string;
  /** Paths requested so far (for asserting fallbacks). */
  requests: string[];
  /** Starts the HTTP server on 127.0.0.1 at a random port. */
  listen(): Promise<{ url: string; close(): Promise<void> }>;
}

/** A deterministic test seed from a label. */
export function testSeed(label: string): Uint8Array {
  return sha256(new TextEncoder().encode(`runproof fixture seed ${label}`));
}

/** A deterministic signer (type 0x01 log key, or 0x04 witness key). */
export function testSigner(name: string, type = 0x01): Signer {
  return parseSignerKey(newSignerKey(name, testSeed(`${name}/${type}`), type));
}

/** A witness signer for tests. */
export function testWitness(name: string): Signer {
  return testSigner(name, SIG_COSIGNATURE_V1);
}

/** The deterministic identity of entry i. */
function identityOf(i: number): Uint8Array {
  return sha256(new TextEncoder().encode(`fixture identity ${i}`));
}

/** Per-tile-level hash buffers of a tree: level L holds tree-level 8·L node hashes, left to right. */
class TiledTree {
  readonly levels: Uint8Array[] = [];

  constructor(readonly leaves: Uint8Array) {
    this.levels.push(leaves);
    let below = leaves;
    while (below.length >= TILE_WIDTH * HASH_SIZE) {
      const n = Math.floor(below.length / HASH_SIZE / TILE_WIDTH);
      const up = new Uint8Array(n * HASH_SIZE);
      for (let t = 0; t < n; t++) {
        const tile = below.subarray(t * TILE_WIDTH * HASH_SIZE, (t + 1) * TILE_WIDTH * HASH_SIZE);
        up.set(hashFromTileRange(tile, 0, TILE_WIDTH), t * HASH_SIZE);
      }
      this.levels.push(up);
      below = up;
    }
  }

  tile(t: Tile): Uint8Array {
    const level = this.levels[t.level];
    const start = t.index * TILE_WIDTH * HASH_SIZE;
    const end = start + t.width * HASH_SIZE;
    if (level === undefined || end > level.length) throw new Error(`fixture: no tile ${JSON.stringify(t)}`);
    return level.subarray(start, end);
  }

  root(size: number): Uint8Array {
    return treeRoot(size, tileReader(size, (t) => this.tile(t)));
  }

  proof(index: number, size: number): Uint8Array[] {
    return proveInclusion(index, size, tileReader(size, (t) => this.tile(t)));
  }
}

function buildEntries(count: number, startTime: number, faults: FixtureFaults, identities: Record<number, Uint8Array>): Uint8Array {
  const all = new Uint8Array(count * ENTRY_SIZE);
  for (let i = 0; i < count; i++) {
    let time = startTime + i;
    if (faults.timeBackwards === i) time = startTime + i - 2;
    const id = faults.duplicate !== undefined && faults.duplicate[1] === i ? identityOf(faults.duplicate[0]) : (identities[i] ?? identityOf(i));
    const e = encodeEntry({ type: 0x01, timestamp: time, identity: id });
    if (faults.wrongType === i) e[0] = 0x02;
    all.set(e, i * ENTRY_SIZE);
  }
  return all;
}

function hashLeaves(entries: Uint8Array): Uint8Array {
  const n = entries.length / ENTRY_SIZE;
  const out = new Uint8Array(n * HASH_SIZE);
  for (let i = 0; i < n; i++) out.set(leafHash(entries.subarray(i * ENTRY_SIZE, (i + 1) * ENTRY_SIZE)), i * HASH_SIZE);
  return out;
}

function signCheckpoint(opts: { origin: string; size: number; root: Uint8Array; signer: Signer; witnesses: Signer[]; cosignTime: number; faults: FixtureFaults }): string {
  const { faults } = opts;
  const origin = faults.wrongOrigin ? `${opts.origin}-other` : opts.origin;
  // wrongOrigin: a well-signed checkpoint of another log; missingSignature: an impostor key of the log's name.
  const signer = faults.wrongOrigin
    ? testSigner(origin)
    : faults.missingSignature
      ? parseSignerKey(newSignerKey(origin, testSeed('an impostor')))
      : opts.signer;
  const root = faults.rootMismatch ? sha256(opts.root) : opts.root;
  const text = formatCheckpoint({ origin, size: opts.size, root, extensions: [] });
  const cosigs = opts.witnesses.map((w) => cosignCheckpoint(text, opts.cosignTime, w));
  let note = signNote(text, [signer], cosigs);
  if (faults.badSignature) {
    const line = `\u2014 ${signer.name} `;
    const at = note.lastIndexOf(line) + line.length;
    const b64 = note.slice(at, note.indexOf('\n', at));
    const flipped = b64.slice(0, 10) + (b64[10] === 'A' ? 'B' : 'A') + b64.slice(11);
    note = note.slice(0, at) + flipped + note.slice(at + b64.length);
  }
  return note;
}

/** served builds a fixture log, serves it on loopback for the length of `f`, then closes it. */
export async function served<T>(opts: FixtureOptions, f: (url: string, log: FixtureLog) => Promise<T>): Promise<T> {
  const log = buildFixtureLog(opts);
  const server = await log.listen();
  try {
    return await f(server.url, log);
  } finally {
    await server.close();
  }
}

/** buildFixtureLog builds the log in memory. */
export function buildFixtureLog(opts: FixtureOptions): FixtureLog {
  const origin = opts.origin ?? 'fixture.example/log';
  const faults = opts.faults ?? {};
  const size = opts.size;
  const stored = Math.max(opts.stored ?? size, size);
  const startTime = opts.startTime ?? 1_760_000_000_000;
  const witnesses = opts.witnesses ?? [];
  const cosignTime = opts.cosignTime ?? 1_760_000_100;
  const signer = testSigner(origin);
  const history = opts.history ?? [];

  const entries = buildEntries(stored, startTime, faults, opts.identities ?? {});
  let tree = new TiledTree(hashLeaves(entries));
  const historyCheckpoints = history.map((s) =>
    signCheckpoint({ origin, size: s, root: tree.root(s), signer, witnesses, cosignTime, faults: {} }),
  );
  if (opts.rewriteAt !== undefined) {
    const at = opts.rewriteAt * ENTRY_SIZE;
    entries[at + 9] = entries[at + 9]! ^ 0xff; // a different identity at that index
    tree = new TiledTree(hashLeaves(entries));
  }
  const checkpoint = signCheckpoint({ origin, size, root: tree.root(size), signer, witnesses, cosignTime, faults });
  const published = [...history, size];
  const requests: string[] = [];

  const entry = (i: number) => entries.subarray(i * ENTRY_SIZE, (i + 1) * ENTRY_SIZE);

  /** The tile as served, or undefined for 404. */
  function serveTile(t: Tile): Uint8Array | undefined {
    const complete = tileWidthAt(t.level, t.index, stored);
    if (t.width > complete) return undefined;
    if (t.width < TILE_WIDTH) {
      if (!published.some((s) => tileWidthAt(t.level, t.index, s) === t.width)) return undefined;
      if (opts.partials404 && complete === TILE_WIDTH) return undefined;
    }
    const data = tree.tile(t).slice();
    const flip = (pos: number) => {
      const o = (pos - t.index * TILE_WIDTH) * HASH_SIZE;
      if (o >= 0 && o < data.length) data[o] = data[o]! ^ 0x01;
    };
    if (t.level === 0 && faults.leafHashChanged !== undefined) flip(faults.leafHashChanged);
    if (faults.interiorHashChanged !== undefined && t.level === faults.interiorHashChanged.level) flip(faults.interiorHashChanged.index);
    return data;
  }

  function serveBundle(index: number, width: number): Uint8Array | undefined {
    if (faults.missingBundle === index) return undefined;
    const complete = tileWidthAt(0, index, stored);
    if (width > complete) return undefined;
    if (width < TILE_WIDTH) {
      if (!published.some((s) => tileWidthAt(0, index, s) === width)) return undefined;
      if (opts.partials404 && complete === TILE_WIDTH) return undefined;
    }
    const list: Uint8Array[] = [];
    for (let i = index * TILE_WIDTH; i < index * TILE_WIDTH + width; i++) {
      let e = entry(i);
      if (faults.entryChanged === i) {
        e = e.slice();
        e[20] = e[20]! ^ 0x01;
      }
      list.push(e);
    }
    let bytes = encodeBundle(list);
    if (faults.truncatedBundle === index) bytes = bytes.subarray(0, bytes.length - 3);
    return bytes;
  }

  type Answer = { status: number; body: Uint8Array | string; headers?: Record<string, string> };
  /** reread is the answer of {@link FixtureFaults.changedOnReread} or {@link FixtureFaults.missingOnReread}, if this request is one. */
  function reread(path: string): Answer | undefined {
    if (faults.missingOnReread !== undefined && path === `/${entriesPath(faults.missingOnReread, TILE_WIDTH)}` && requests.filter((p) => p === path).length >= 2) {
      return { status: 404, body: 'not found\n' };
    }
    if (faults.changedOnReread === undefined || path !== `/${entriesPath(faults.changedOnReread, TILE_WIDTH)}`) return undefined;
    if (requests.filter((p) => p === path).length < 2) return undefined;
    const bytes = serveBundle(faults.changedOnReread, TILE_WIDTH)!.slice();
    bytes[2 + 20] = bytes[2 + 20]! ^ 0x01;
    return { status: 200, body: bytes, headers: { 'content-type': 'application/octet-stream' } };
  }
  // Answers never change (faults are fixed at build time), so each path is computed once: a
  // 1M-entry log then serves repeated audits without re-encoding bundles.
  const answers = new Map<string, Answer>();
  function cachedHandle(path: string): Answer {
    let a = answers.get(path);
    if (a === undefined) {
      a = handle(path);
      if (answers.size < 100_000) answers.set(path, a);
    }
    return a;
  }

  function handle(path: string): Answer {
    if (path === '/checkpoint') return { status: 200, body: checkpoint, headers: { 'content-type': 'text/plain; charset=utf-8' } };
    let info;
    try {
      info = parseTilePath(path.slice(1));
    } catch {
      return { status: 404, body: 'not found\n' };
    }
    const octets = { 'content-type': 'application/octet-stream' };
    if (info.kind === 'hash') {
      const data = serveTile(info.tile);
      return data === undefined ? { status: 404, body: 'not found\n' } : { status: 200, body: data, headers: octets };
    }
    const data = serveBundle(info.index, info.width);
    if (data === undefined) return { status: 404, body: 'not found\n' };
    if (opts.gzip === 'header') return { status: 200, body: gzipSync(data), headers: { ...octets, 'content-encoding': 'gzip' } };
    if (opts.gzip === 'raw') return { status: 200, body: gzipSync(data), headers: octets };
    return { status: 200, body: data, headers: octets };
  }

  return {
    origin,
    signer,
    vkey: verifierKey(signer),
    checkpoint,
    historyCheckpoints,
    size,
    entry,
    root: (s = size) => tree.root(s),
    receipt(index: number): string {
      return formatTlogProof({ extra: entry(index).slice(), index, path: tree.proof(index, size), checkpoint });
    },
    requests,
    listen() {
      const server: Server = createServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0]!;
        requests.push(path);
        const out = req.method === 'GET' ? (reread(path) ?? cachedHandle(path)) : { status: 405, body: 'method not allowed\n' };
        res.writeHead(out.status, out.headers ?? { 'content-type': 'text/plain' });
        res.end(out.body);
      });
      return new Promise((resolve) => {
        server.listen(0, '127.0.0.1', () => {
          const { port } = server.address() as AddressInfo;
          resolve({
            url: `http://127.0.0.1:${port}`,
            close: () =>
              new Promise<void>((done) => {
                server.closeAllConnections();
                server.close(() => done());
              }),
          });
        });
      });
    },
  };
}
