/**
 * The log's side of c2sp.org/tlog-witness: after each new checkpoint the log asks every
 * configured witness to cosign it (`POST <url>/add-checkpoint`) and keeps the cosignatures that
 * verify, so `GET /checkpoint` can publish them.
 *
 * Submissions must never wait on a witness, so everything here runs in the background:
 * - `onCheckpoint` only records "this is the newest checkpoint" and wakes each witness's loop;
 * - each witness has at most one request in flight; a newer checkpoint arriving meanwhile is
 *   sent next, and the ones in between are skipped (only the latest checkpoint matters);
 * - each request has a timeout; errors back off exponentially (a dead witness is retried less
 *   and less often, and never delays the others);
 * - the pool remembers per witness the size it last cosigned. It starts unknown and is learnt
 *   from the witness: the first request says `old 0` with an empty proof, and the spec's
 *   "409 Conflict" answer (`Content-Type: text/x.tlog.size`, body `<size>\n`) tells the
 *   witness's size, so the next request carries a consistency proof from that size.
 *
 * A returned cosignature is kept only if it verifies under the configured witness key
 * (tlog-witness: "The client MUST ignore any cosignatures from unknown keys").
 */
import { readStreamLimited } from '../node-shared/read-stream.js';
import { RunproofError } from '../src/errors.js';
import { decodeUtf8, utf8 } from '../src/encoding/utf8.js';
import { parseCheckpoint } from '../src/note/checkpoint.js';
import { cosignatureTimestamp } from '../src/note/cosignature.js';
import { SIG_COSIGNATURE_V1, parseVerifierKey, type Verifier } from '../src/note/keys.js';
import { formatNote, parseNote, type NoteSignature } from '../src/note/note.js';
import { TLOG_SIZE_CONTENT_TYPE, formatAddCheckpoint, parseSizeAnswer } from '../src/note/tlog-witness.js';

/** One witness the log asks for cosignatures. */
export interface WitnessEndpoint {
  /** The witness's key name (as in its verifier key). */
  name: string;
  /** The witness's cosignature/v1 (type 0x04) verifier key. */
  vkey: string;
  /** The witness's submission prefix; requests go to `<url>/add-checkpoint`. */
  url: string;
}

/** Options of a {@link WitnessPool}. */
export interface WitnessPoolOptions {
  /** The log's origin; checkpoints of any other origin are refused. */
  origin: string;
  witnesses: WitnessEndpoint[];
  /** Per-request timeout in milliseconds. */
  timeoutMs: number;
  /** Returns the RFC 6962 consistency proof between two sizes of this log (0 < old < new). */
  consistencyProof: (oldSize: number, newSize: number) => Uint8Array[] | Promise<Uint8Array[]>;
  /** Receives one line per notable event (errors, learnt sizes); default: silent. */
  log?: (msg: string) => void;
}

/** First retry delay after an error, doubled per consecutive error up to {@link MAX_BACKOFF_MS}. */
const BASE_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 60_000;
/** Largest witness response read (a few signature lines). */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** Checkpoints whose cosignatures are remembered (the newest ones). */
const KEPT_CHECKPOINTS = 32;
/** Requests per run of a witness's loop before yielding to the event loop. */
const PASSES = 16;

/** A checkpoint the pool knows: the note as the log signed it, its text and size. */
interface Known {
  note: string;
  text: string;
  size: number;
}

/** Per-witness state. */
interface Witness {
  endpoint: WitnessEndpoint;
  verifier: Verifier;
  /** The size this witness last cosigned, or undefined until learnt. */
  size: number | undefined;
  busy: boolean;
  failures: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** A pending {@link WitnessPool.waitForQuorum} call. */
interface Waiter {
  text: string;
  quorum: number;
  resolve: () => void;
}

/** Result of one add-checkpoint request. */
type Outcome = { kind: 'cosigned'; sigs: NoteSignature[] } | { kind: 'size'; size: number };

/**
 * WitnessPool gathers witness cosignatures for the log's checkpoints in the background.
 *
 * @example
 * const pool = new WitnessPool({ origin, witnesses, timeoutMs: 5000, consistencyProof: (m, n) => proveConsistency(m, n, read) });
 * pool.onCheckpoint(signed);                 // after each new checkpoint; returns at once
 * res.body = pool.withCosignatures(latest);  // GET /checkpoint
 */
export class WitnessPool {
  private readonly origin: string;
  private readonly timeoutMs: number;
  private readonly consistencyProof: (oldSize: number, newSize: number) => Uint8Array[] | Promise<Uint8Array[]>;
  private readonly log: (msg: string) => void;
  private readonly witnesses: Witness[];
  private readonly closing = new AbortController();
  /** The newest checkpoint seen by {@link onCheckpoint}. */
  private latest: Known | undefined;
  /** Checkpoint text → witness name → verified cosignature lines (newest texts last). */
  private readonly cosigs = new Map<string, Map<string, NoteSignature[]>>();
  private waiters: Waiter[] = [];

  /**
   * Creates a pool. Throws (MALFORMED_KEY) if a witness key is not a cosignature/v1 key named
   * as configured, so a misconfiguration stops the server at start-up, not silently later.
   */
  constructor(opts: WitnessPoolOptions) {
    this.origin = opts.origin;
    this.timeoutMs = opts.timeoutMs;
    this.consistencyProof = opts.consistencyProof;
    this.log = opts.log ?? (() => undefined);
    const names = new Set<string>();
    this.witnesses = opts.witnesses.map((endpoint) => {
      const verifier = parseVerifierKey(endpoint.vkey);
      if (verifier.type !== SIG_COSIGNATURE_V1) {
        throw new RunproofError('MALFORMED_KEY', `witness ${endpoint.name}: key must be a cosignature/v1 (0x04) key`);
      }
      if (verifier.name !== endpoint.name) {
        throw new RunproofError('MALFORMED_KEY', `witness ${endpoint.name}: key is named ${verifier.name}`);
      }
      if (names.has(endpoint.name)) throw new RunproofError('MALFORMED_KEY', `witness ${endpoint.name} configured twice`);
      names.add(endpoint.name);
      return { endpoint: { ...endpoint, url: endpoint.url.replace(/\/+$/, '') }, verifier, size: undefined, busy: false, failures: 0, timer: undefined };
    });
  }

  /**
   * onCheckpoint tells the pool about a newly signed checkpoint. It returns at once and never
   * throws: requests to witnesses run in the background. An older or foreign checkpoint is
   * ignored (logged).
   */
  onCheckpoint(signedCheckpoint: string): void {
    if (this.closing.signal.aborted) return;
    let known: Known;
    try {
      known = this.parse(signedCheckpoint);
    } catch (e) {
      this.log(`witness pool: ignoring checkpoint: ${errorText(e)}`);
      return;
    }
    if (this.latest !== undefined && known.size < this.latest.size) return;
    if (this.latest === undefined || known.text !== this.latest.text) this.latest = known;
    for (const w of this.witnesses) this.kick(w);
  }

  /**
   * withCosignatures returns the signed checkpoint with the verified cosignature lines gathered
   * so far for its text appended (signatures already in the note are kept, not repeated).
   * A note that does not parse is returned unchanged.
   */
  withCosignatures(signedCheckpoint: string): string {
    let parsed: { text: string; signatures: NoteSignature[] };
    try {
      parsed = parseNote(signedCheckpoint);
    } catch {
      return signedCheckpoint;
    }
    const gathered = this.cosigs.get(parsed.text);
    if (gathered === undefined) return signedCheckpoint;
    const sigs = [...parsed.signatures];
    for (const lines of gathered.values()) {
      for (const s of lines) if (!sigs.some((o) => o.name === s.name && o.keyId === s.keyId)) sigs.push(s);
    }
    return formatNote(parsed.text, sigs);
  }

  /**
   * waitForQuorum resolves with {@link withCosignatures} of the checkpoint once at least
   * `quorum` distinct witnesses cosigned its text. It also hands the checkpoint to the pool if
   * it is newer than the latest one seen. Because the pool only pursues the newest checkpoint,
   * a checkpoint superseded before a witness reached it may never get that witness's
   * cosignature.
   * @throws RunproofError QUORUM_NOT_MET after `timeoutMs` (evidence: the cosigners so far);
   *   UNAVAILABLE if the pool is closed meanwhile
   */
  waitForQuorum(signedCheckpoint: string, quorum: number, timeoutMs: number): Promise<string> {
    let text: string;
    try {
      text = parseNote(signedCheckpoint).text;
    } catch (e) {
      return Promise.reject(e);
    }
    this.onCheckpoint(signedCheckpoint);
    if (this.cosignerCount(text) >= quorum) return Promise.resolve(this.withCosignatures(signedCheckpoint));
    if (this.closing.signal.aborted) return Promise.reject(new RunproofError('UNAVAILABLE', 'witness pool is closed'));
    return new Promise<string>((resolve, reject) => {
      const onClose = () => {
        finish();
        reject(new RunproofError('UNAVAILABLE', 'witness pool closed while waiting for cosignatures'));
      };
      const timer = setTimeout(() => {
        finish();
        const cosigners = [...(this.cosigs.get(text)?.keys() ?? [])];
        reject(new RunproofError('QUORUM_NOT_MET', `${cosigners.length} of ${quorum} witness cosignatures within ${timeoutMs} ms`, { evidence: { cosigners, quorum } }));
      }, timeoutMs);
      const waiter: Waiter = {
        text,
        quorum,
        resolve: () => {
          finish();
          resolve(this.withCosignatures(signedCheckpoint));
        },
      };
      const finish = () => {
        clearTimeout(timer);
        this.closing.signal.removeEventListener('abort', onClose);
        this.waiters = this.waiters.filter((x) => x !== waiter);
      };
      this.closing.signal.addEventListener('abort', onClose);
      this.waiters.push(waiter);
    });
  }

  /** close aborts requests in flight, cancels retries and rejects pending waits. Idempotent. */
  close(): void {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    for (const w of this.witnesses) if (w.timer !== undefined) clearTimeout(w.timer);
  }

  /** Parses a signed checkpoint of this log's origin (signatures are the log's business). */
  private parse(note: string): Known {
    const { text } = parseNote(note);
    const cp = parseCheckpoint(text);
    if (cp.origin !== this.origin) throw new RunproofError('ORIGIN_MISMATCH', `checkpoint origin ${JSON.stringify(cp.origin)} is not ${JSON.stringify(this.origin)}`);
    return { note, text, size: cp.size };
  }

  private cosignerCount(text: string): number {
    return this.cosigs.get(text)?.size ?? 0;
  }

  /** True if the witness has not yet cosigned the newest checkpoint. */
  private behind(w: Witness): boolean {
    const target = this.latest;
    return target !== undefined && this.cosigs.get(target.text)?.has(w.endpoint.name) !== true;
  }

  /** Starts the witness's loop unless it is running, backing off, or already up to date. */
  private kick(w: Witness): void {
    if (w.busy || w.timer !== undefined || this.closing.signal.aborted || !this.behind(w)) return;
    w.busy = true;
    void this.run(w).finally(() => {
      w.busy = false;
      // A pass limit was reached with work left: continue on a fresh tick.
      if (this.behind(w)) setImmediate(() => this.kick(w));
    });
  }

  /**
   * Sends the newest checkpoint until the witness has cosigned it, with at most
   * {@link PASSES} requests per run; stops at the first error (after scheduling a backoff).
   */
  private async run(w: Witness): Promise<void> {
    for (let pass = 0; pass < PASSES && !this.closing.signal.aborted && this.behind(w); pass++) {
      const target = this.latest!;
      const old = w.size === undefined || w.size > target.size ? 0 : w.size;
      let outcome: Outcome;
      try {
        outcome = await this.addCheckpoint(w, target, old);
      } catch (e) {
        if (!this.closing.signal.aborted) this.backoff(w, `checkpoint ${target.size}: ${errorText(e)}`);
        return;
      }
      if (outcome.kind === 'size') {
        if (outcome.size > target.size || outcome.size === old) {
          this.backoff(w, `witness answered 409 with size ${outcome.size} to old ${old} for checkpoint ${target.size}`);
          return;
        }
        this.log(`witness ${w.endpoint.name}: at size ${outcome.size}`);
        w.size = outcome.size;
        continue;
      }
      w.failures = 0;
      w.size = target.size;
      this.remember(target.text, w.endpoint.name, outcome.sigs);
    }
  }

  /** One add-checkpoint request (tlog-witness "add-checkpoint"). */
  private async addCheckpoint(w: Witness, target: Known, old: number): Promise<Outcome> {
    const proof = old === 0 || old === target.size ? [] : await this.consistencyProof(old, target.size);
    const body = formatAddCheckpoint({ oldSize: old, proof, note: target.note });
    const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.timeoutMs)]);
    const res = await fetch(`${w.endpoint.url}/add-checkpoint`, { method: 'POST', body, signal, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    const bytes = await readLimited(res, MAX_RESPONSE_BYTES);
    if (res.status === 409 && res.headers.get('content-type') === TLOG_SIZE_CONTENT_TYPE) {
      return { kind: 'size', size: parseSizeAnswer(decodeUtf8(bytes, 'size response')) };
    }
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${decodeUtf8(bytes.subarray(0, 200), 'error body').trim()}`);
    return { kind: 'cosigned', sigs: this.verifyResponse(w, target.text, decodeUtf8(bytes, 'witness response')) };
  }

  /**
   * Parses the signature lines of a 200 answer and keeps the witness's own that verify over the
   * checkpoint text; lines by other keys are ignored. Fails if none verifies.
   */
  private verifyResponse(w: Witness, text: string, body: string): NoteSignature[] {
    const { signatures } = parseNote(text + '\n' + body);
    const textBytes = utf8(text);
    const nowSeconds = Math.floor(Date.now() / 1000);
    const ok = signatures.filter(
      (s) =>
        s.name === w.verifier.name &&
        s.keyId === w.verifier.keyId &&
        w.verifier.verify(textBytes, s.signature) &&
        plausibleTimestamp(s.signature, nowSeconds),
    );
    if (ok.length === 0) throw new RunproofError('INVALID_SIGNATURE', `no valid cosignature by ${w.endpoint.name} in the response`);
    return ok;
  }

  /** Stores verified cosignatures, forgets the oldest checkpoints, and wakes waiters. */
  private remember(text: string, witness: string, sigs: NoteSignature[]): void {
    let byWitness = this.cosigs.get(text);
    if (byWitness === undefined) {
      byWitness = new Map();
      this.cosigs.set(text, byWitness);
      for (const oldest of this.cosigs.keys()) {
        if (this.cosigs.size <= KEPT_CHECKPOINTS) break;
        this.cosigs.delete(oldest);
      }
    }
    byWitness.set(witness, sigs);
    for (const waiter of [...this.waiters]) {
      if (waiter.text === text && byWitness.size >= waiter.quorum) waiter.resolve();
    }
  }

  /** Schedules a retry with exponential backoff; the newest checkpoint is sent then. */
  private backoff(w: Witness, why: string): void {
    w.failures++;
    const delay = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.min(w.failures - 1, 20));
    this.log(`witness ${w.endpoint.name}: ${why}; retrying in ${delay} ms`);
    w.timer = setTimeout(() => {
      w.timer = undefined;
      this.kick(w);
    }, delay);
    w.timer.unref();
  }
}

/** How far ahead of the log's clock a cosignature timestamp may be (clock skew between hosts). */
const MAX_FUTURE_SKEW_SECONDS = 3600;

/**
 * plausibleTimestamp refuses a cosignature whose timestamp verifiers cannot represent (above
 * 2^53−1 s; tlog-cosignature allows up to 2^63−1) or that lies far in the future (verifiers MAY
 * reject those). The log must not publish such a line: it is a valid signature that would only
 * make receipts fail or mislead about when the witness saw the checkpoint.
 */
function plausibleTimestamp(signature: Uint8Array, nowSeconds: number): boolean {
  try {
    return cosignatureTimestamp(signature) <= nowSeconds + MAX_FUTURE_SKEW_SECONDS;
  } catch {
    return false;
  }
}

/** Reads a response body, failing if it exceeds `max` bytes. */
async function readLimited(res: Response, max: number): Promise<Uint8Array> {
  if (res.body === null) return new Uint8Array(0);
  return readStreamLimited(res.body, max, () => new RunproofError('TOO_LARGE', `witness response larger than ${max} bytes`));
}

function errorText(e: unknown): string {
  if (e instanceof RunproofError) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
