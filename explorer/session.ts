/**
 * A session with one log under one trust root: the verified checkpoint, re-polled with a
 * consistency proof checked against the previous one, and entries proven included in it.
 *
 * What counts as evidence: only signed statements. Two checkpoints signed by the log that the
 * log cannot prove consistent are kept as evidence (and downloadable); a tile or bundle that does
 * not check against a signed root makes a result "failed to verify" — the log served something
 * unproven, which is not by itself proof of a lie (a cache or a disk can corrupt a tile).
 */
import { RunproofError } from '../src/errors.js';
import { toBase64 } from '../src/encoding/base64.js';
import { equalBytes } from '../src/encoding/utf8.js';
import { leafHash } from '../src/merkle/hash.js';
import { inclusionProofFromHashes, inclusionProofNodes, verifyInclusion } from '../src/merkle/proof.js';
import { parseBundle } from '../src/merkle/bundle.js';
import { TILE_WIDTH, tileWidthAt } from '../src/merkle/tiles.js';
import { decodeEntry, type Entry } from '../src/note/entry.js';
import { parseNote } from '../src/note/note.js';
import { LogClient, checkConsistency, proveConsistencyFromLog, verifyCheckpoint, type TrustedCheckpoint } from '../verifier/index.js';
import type { TrustRoot } from './trust.js';

/** A checkpoint the page has verified, with what it names. */
export interface VerifiedCheckpoint extends TrustedCheckpoint {
  /** Cosignature lines by keys the trust root does not pin (shown, not counted). */
  unverifiedCosigners: string[];
  /** When the page fetched it (ms). */
  fetchedAt: number;
}

/** Proof of misbehaviour: two checkpoints signed by the log that are not consistent. */
export interface ForkEvidence {
  old: string;
  new: string;
  /** The consistency proof the log's tiles gave (base64), if any. */
  proof: string[];
  /** True when the two signed checkpoints have the same size and different roots: a fork on their face. */
  sameSize: boolean;
  /**
   * True for a proven contradiction (`checkConsistency`'s INCONSISTENT_LOG: one size with two
   * roots, or a proof that reaches the new signed root and another old root); false for a proof
   * from the tiles that merely does not verify — unproven, not evidence of a fork by itself.
   */
  proven: boolean;
  message: string;
}

/** An entry proven included in the verified checkpoint. */
export interface ProvenEntry extends Entry {
  index: number;
}

/** What the checkpoint watcher reports. */
export type CheckpointEvent =
  | { kind: 'verified'; checkpoint: VerifiedCheckpoint; grew: boolean }
  | { kind: 'failed'; error: unknown }
  | { kind: 'fork'; evidence: ForkEvidence }
  | { kind: 'poll-error'; error: unknown };

/** LogSession holds the trusted view of one log. */
export class LogSession {
  readonly client: LogClient;
  private current: VerifiedCheckpoint | undefined;
  private fork: ForkEvidence | undefined;
  private failure: unknown;
  private first: Promise<VerifiedCheckpoint>;
  private resolveFirst!: (cp: VerifiedCheckpoint) => void;
  private rejectFirst!: (e: unknown) => void;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    readonly logUrl: string,
    readonly trust: TrustRoot,
    private readonly onEvent: (e: CheckpointEvent) => void,
    private readonly pollMs = 5000,
  ) {
    this.client = new LogClient(logUrl, { timeoutMs: 20_000 });
    this.first = new Promise((resolve, reject) => {
      this.resolveFirst = resolve;
      this.rejectFirst = reject;
    });
    this.first.catch(() => undefined);
  }

  /** start fetches and verifies the first checkpoint, then polls every `pollMs`. */
  start(): void {
    void this.poll();
  }

  /** stop ends polling (the session is being replaced). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  /** checkpoint resolves with the verified checkpoint once there is one; rejects if the log failed. */
  async checkpoint(): Promise<VerifiedCheckpoint> {
    if (this.fork !== undefined) throw new RunproofError('INCONSISTENT_LOG', this.fork.message);
    if (this.failure !== undefined) throw this.failure;
    return this.current ?? this.first;
  }

  /** poll fetches the checkpoint now and checks it against the previous one. */
  async poll(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    try {
      await this.pollOnce();
    } finally {
      // After a fork nothing the log says can be trusted any more: stop.
      if (!this.stopped && this.fork === undefined && this.failure === undefined) this.timer = setTimeout(() => void this.poll(), this.pollMs);
    }
  }

  private async pollOnce(): Promise<void> {
    let note: string;
    try {
      note = await this.client.checkpoint();
    } catch (e) {
      if (this.current === undefined) this.fail(e);
      else this.onEvent({ kind: 'poll-error', error: e });
      return;
    }
    if (this.stopped) return;
    let next: VerifiedCheckpoint;
    try {
      next = this.open(note);
    } catch (e) {
      this.fail(e);
      return;
    }
    const prev = this.current;
    if (prev === undefined) {
      this.current = next;
      this.resolveFirst(next);
      this.onEvent({ kind: 'verified', checkpoint: next, grew: false });
      return;
    }
    if (prev.opened.note === note) return;
    let proof: Uint8Array[] = [];
    try {
      proof = await proveConsistencyFromLog(this.client, prev.opened, next.opened);
      checkConsistency(prev.opened, next.opened, proof);
    } catch (e) {
      // checkConsistency says INCONSISTENT_LOG only for a proven contradiction (the proof reaches
      // the new signed root and another old root, or one size has two roots); PROOF_FAILED is a
      // proof from the tiles that merely does not verify: unproven.
      if (e instanceof RunproofError && (e.code === 'INCONSISTENT_LOG' || e.code === 'ORIGIN_MISMATCH' || e.code === 'PROOF_FAILED')) {
        const a = prev.opened.checkpoint;
        const b = next.opened.checkpoint;
        const sameSize = a.size === b.size && !equalBytes(a.root, b.root);
        const proven = e.code !== 'PROOF_FAILED';
        this.fork = { old: prev.opened.note, new: note, proof: proof.map((h) => toBase64(h)), sameSize, proven, message: e.message };
        this.onEvent({ kind: 'fork', evidence: this.fork });
      } else {
        this.onEvent({ kind: 'poll-error', error: e });
      }
      return;
    }
    // A smaller checkpoint consistent with ours is a stale copy (a cache): keep the larger one.
    if (next.opened.checkpoint.size < prev.opened.checkpoint.size) return;
    this.current = next;
    this.onEvent({ kind: 'verified', checkpoint: next, grew: next.opened.checkpoint.size > prev.opened.checkpoint.size });
  }

  private open(note: string): VerifiedCheckpoint {
    const trusted = verifyCheckpoint(note, this.trust.trust);
    const logName = trusted.opened.checkpoint.origin;
    const counted = new Set(trusted.opened.cosignatures.map((c) => `${c.name}\n${c.keyId}`));
    const unverifiedCosigners = parseNote(note)
      .signatures.filter((s) => s.name !== logName && !counted.has(`${s.name}\n${s.keyId}`))
      .map((s) => s.name);
    return { ...trusted, unverifiedCosigners, fetchedAt: Date.now() };
  }

  private fail(e: unknown): void {
    this.failure = e;
    this.rejectFirst(e);
    this.onEvent({ kind: 'failed', error: e });
  }

  /**
   * entry fetches entry `index` from its bundle and proves it included in `cp` with an inclusion
   * proof computed from the log's hash tiles (RFC 9162 §2.1.3.2).
   * @throws RunproofError PROOF_FAILED / MALFORMED_ENTRY when what the log served does not check
   *   (unproven, not evidence); UNREACHABLE / UNAVAILABLE / NOT_FOUND when it could not be read
   */
  async entry(index: number, cp: VerifiedCheckpoint): Promise<ProvenEntry> {
    const size = cp.opened.checkpoint.size;
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError(`entry ${index} is not in a tree of ${size}`);
    const bundleIndex = Math.floor(index / TILE_WIDTH);
    const entries = await this.bundle(bundleIndex, size);
    const bytes = entries[index - bundleIndex * TILE_WIDTH]!;
    const nodes = inclusionProofNodes(index, size);
    const proof = inclusionProofFromHashes(index, size, await this.client.hashReader(size)(nodes));
    verifyInclusion(leafHash(bytes), index, size, proof, cp.opened.checkpoint.root);
    return { ...decodeEntry(bytes), index };
  }

  private readonly bundles = new Map<string, Promise<Uint8Array[]>>();

  /** bundle fetches and parses entry bundle `index` of a tree of `size` (cached; at most 64 kept). */
  bundle(index: number, size: number): Promise<Uint8Array[]> {
    const width = tileWidthAt(0, index, size);
    const key = `${index}/${width}`;
    let p = this.bundles.get(key);
    if (p === undefined) {
      if (this.bundles.size >= 64) this.bundles.delete(this.bundles.keys().next().value!);
      p = this.client.entries(index, width).then((bytes) => parseBundle(bytes, width));
      this.bundles.set(key, p);
      p.catch(() => this.bundles.delete(key));
    }
    return p;
  }
}
