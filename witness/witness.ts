/**
 * A c2sp.org/tlog-witness witness: checks an add-checkpoint request against the latest
 * checkpoint it cosigned for the origin and, if the new one is consistent, cosigns it
 * (c2sp.org/tlog-cosignature, cosignature/v1) and records it with a compare-and-swap.
 *
 * Checks, in the order of the spec's "add-checkpoint" section (current text, which answers 422
 * rather than v1.0.0's 409 for a same-size checkpoint with a different root, and requires the
 * empty-tree root for size 0):
 *   body malformed → 400 · origin unknown → 404 · no trusted log signature, or a trusted
 *   key's signature fails → 403 · old size > checkpoint size → 400 · old size ≠ latest
 *   cosigned size → 409 (text/x.tlog.size) · consistency proof fails (including old = 0 with a
 *   non-empty proof, size 0 with a non-empty-tree root, same size with another root) → 422.
 */
import { RunproofError } from '../src/errors.js';
import { toHex } from '../src/encoding/hex.js';
import { utf8 } from '../src/encoding/utf8.js';
import { sha256 } from '../src/merkle/hash.js';
import { verifyConsistency } from '../src/merkle/proof.js';
import { parseCheckpoint, type Checkpoint } from '../src/note/checkpoint.js';
import { cosignCheckpoint } from '../src/note/cosignature.js';
import { SIG_COSIGNATURE_V1, SIG_ED25519, verifierKey, type Signer, type Verifier } from '../src/note/keys.js';
import { formatNote, openNote, parseNote, type NoteSignature } from '../src/note/note.js';
import { parseAddCheckpoint, type AddCheckpointRequest } from '../src/note/tlog-witness.js';
import type { Db } from '../node-shared/sqlite.js';
import { WitnessStore } from './store.js';

/** Options of a {@link Witness}. */
export interface WitnessOptions {
  db: Db;
  /** The witness key (type 0x04, cosignature/v1). */
  signer: Signer;
  /** Trusted log keys per origin (type 0x01, named as the origin); other origins are answered 404. */
  logs: ReadonlyMap<string, readonly Verifier[]>;
  /** The witness clock in POSIX seconds (the cosignature timestamp). */
  now: () => number;
  /**
   * Test-only: awaited after every check passed and before the compare-and-swap, so a test can
   * hold one request there while another one updates the state.
   */
  testingOnlyStall?: (req: { origin: string; size: number }) => Promise<void>;
}

/** Witness answers add-checkpoint requests and the monitoring read. */
export class Witness {
  /** The witness's verifier key (`name+id+base64(0x04‖key)`). */
  readonly vkey: string;
  private readonly signer: Signer;
  private readonly logs: ReadonlyMap<string, readonly Verifier[]>;
  private readonly now: () => number;
  private readonly stall: WitnessOptions['testingOnlyStall'];
  private readonly store: WitnessStore;
  /** Lowercase hex SHA-256(origin) → origin, for the monitoring read. */
  private readonly byHash = new Map<string, string>();

  /** Creates a witness over an opened state database. Throws (MALFORMED_KEY) on a key of the wrong type or not named as its origin. */
  constructor(opts: WitnessOptions) {
    if (opts.signer.type !== SIG_COSIGNATURE_V1) throw new RunproofError('MALFORMED_KEY', 'the witness key must be a cosignature/v1 (0x04) key; create one with runproof keygen --witness');
    for (const [origin, keys] of opts.logs) {
      if (keys.length === 0) throw new RunproofError('MALFORMED_KEY', `log ${origin}: no key`);
      for (const k of keys) {
        if (k.type !== SIG_ED25519) throw new RunproofError('MALFORMED_KEY', `log ${origin}: key ${k.name} is not an Ed25519 (0x01) log key`);
        // The log key's name is the origin (as openCheckpoint requires); otherwise log B's key
        // would get checkpoints that claim origin A cosigned.
        if (k.name !== origin) throw new RunproofError('MALFORMED_KEY', `log ${origin}: key is named ${k.name}, not the origin`);
      }
      this.byHash.set(toHex(sha256(utf8(origin))), origin);
    }
    this.signer = opts.signer;
    this.vkey = verifierKey(opts.signer);
    this.logs = opts.logs;
    this.now = opts.now;
    this.stall = opts.testingOnlyStall;
    this.store = new WitnessStore(opts.db, [...opts.logs.keys()]);
  }

  /** The witness's key name. */
  get name(): string {
    return this.signer.name;
  }

  /**
   * addCheckpoint handles an add-checkpoint body and returns the response body: this witness's
   * cosignature line(s) on the checkpoint.
   * @throws RunproofError MALFORMED_REQUEST / MALFORMED_NOTE / MALFORMED_CHECKPOINT (400),
   *   NOT_FOUND (404), INVALID_SIGNATURE / NO_VERIFIED_SIGNATURE (403), CONFLICT with
   *   `evidence.size` (409), PROOF_FAILED (422)
   */
  async addCheckpoint(body: string): Promise<string> {
    const req = parseAddCheckpoint(body);
    const { text } = parseNote(req.note);
    const cp = parseCheckpoint(text);
    const keys = this.logs.get(cp.origin);
    if (keys === undefined) throw new RunproofError('NOT_FOUND', `unknown log origin ${JSON.stringify(cp.origin)}`);
    // "it MUST ignore signatures from unknown keys" — openNote does; it throws if none of the
    // trusted keys signed, or if a trusted key's signature fails.
    const logSigs = openNote(req.note, keys).verified;
    if (req.oldSize > cp.size) throw new RunproofError('MALFORMED_REQUEST', `old size ${req.oldSize} is larger than the checkpoint size ${cp.size}`);
    const state = this.check(cp, req, body);
    if (this.stall !== undefined) await this.stall({ origin: cp.origin, size: cp.size });
    const cosig = cosignCheckpoint(text, this.now(), this.signer);
    const note = formatNote(text, [...logSigs, cosig]);
    // Compare-and-swap: only if the state is still the one the proof was checked against.
    if (!this.store.compareAndSwap(cp.origin, state, { size: cp.size, root: cp.root, note }, this.now())) {
      throw this.conflict(cp.origin);
    }
    return signatureLines(text, [cosig]);
  }

  /**
   * latestCheckpoint answers the monitoring read `GET /<hex SHA-256(origin)>/checkpoint`: the
   * latest checkpoint this witness cosigned for that origin, with the log signatures it
   * verified and its cosignature; undefined if the origin is unknown or never cosigned.
   */
  latestCheckpoint(originHash: string): string | undefined {
    const origin = this.byHash.get(originHash);
    if (origin === undefined) return undefined;
    return this.store.get(origin)?.note ?? undefined;
  }

  /** Checks the old size and the consistency proof against the stored state; returns that state. */
  private check(cp: Checkpoint, req: AddCheckpointRequest, body: string): { size: number; root: Uint8Array } {
    const state = this.store.get(cp.origin);
    if (state === undefined) throw new Error(`witness: no state row for configured origin ${cp.origin}`);
    if (req.oldSize !== state.size) throw this.conflict(cp.origin, state.size);
    try {
      // verifyConsistency covers old = new (empty proof, equal roots) and old = 0 (empty proof,
      // and the stored root of a never-cosigned origin is the empty-tree root, so a size-0
      // checkpoint must carry it).
      verifyConsistency(state.size, cp.size, state.root, cp.root, req.proof);
    } catch (e) {
      if (e instanceof RunproofError) this.store.recordRejected(cp.origin, this.now(), e.message, body);
      throw e;
    }
    return { size: state.size, root: state.root };
  }

  private conflict(origin: string, known?: number): RunproofError {
    const size = known ?? this.store.get(origin)!.size;
    return new RunproofError('CONFLICT', `the latest cosigned size of ${origin} is ${size}`, { evidence: { size } });
  }
}

/** The signature lines of a note (what add-checkpoint answers), without the text. */
function signatureLines(text: string, sigs: NoteSignature[]): string {
  return formatNote(text, sigs).slice(text.length + 1);
}
