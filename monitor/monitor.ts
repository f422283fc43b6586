/**
 * The monitor (docs/witness-and-monitor.md): follows logs and gossips checkpoints with peers to catch split views.
 *
 * Each round:
 * 1. follow — for every log: fetch its checkpoint, verify the log signature, prove consistency
 *    with the last accepted checkpoint from the log's tiles, re-check every new entry (see
 *    entries.ts), and accept it;
 * 2. gossip — for every log and every peer monitor or witness: fetch the peer's latest
 *    checkpoint at `GET <peer>/<hex SHA-256(origin)>/checkpoint` and, if the log signed it,
 *    check it against the accepted one.
 *
 * Only signed statements are evidence. A validly signed checkpoint from any source that the
 * signed statements prove inconsistent with the accepted one — same size and another root; or a
 * consistency proof that leads to the larger signed root and to another root for the smaller
 * size (verifier/consistency.ts) — is a split view: the monitor writes evidence (evidence.ts),
 * marks the log untrusted in its state (for good), reports an alert and, if configured, POSTs
 * the evidence to a webhook. Entries covered by a signed root that break the entry rules are
 * handled the same way. Tiles and bundles are unsigned: a proof or entries built from them that
 * fail to verify are "unproven" — reported (exit 3), retried next round, never evidence, and
 * the checkpoint is not accepted meanwhile.
 */
import { RunproofError, isRunproofError } from '../src/errors.js';
import { toHex } from '../src/encoding/hex.js';
import { equalBytes, utf8 } from '../src/encoding/utf8.js';
import { sha256, type Hash } from '../src/merkle/hash.js';
import { openCheckpoint, type OpenedCheckpoint } from '../src/note/checkpoint.js';
import { SIG_ED25519, parseVerifierKey, type Verifier } from '../src/note/keys.js';
import { LogClient, checkConsistency, proveConsistencyFromLog } from '../verifier/index.js';
import { checkNewEntries } from './entries.js';
import { writeEvidence, type Evidence } from './evidence.js';
import { MonitorStore, type LogState } from './store.js';
import type { Db } from '../node-shared/sqlite.js';

/** A log to follow: its tlog-tiles URL prefix and its Ed25519 verifier key (named as its origin). */
export interface FollowedLog {
  url: string;
  vkey: string;
}

/** Everything a round reports. */
export type MonitorEvent =
  | { type: 'accepted'; origin: string; from: number; size: number }
  | { type: 'unchanged'; origin: string; size: number }
  | { type: 'stale'; origin: string; size: number; source: string }
  | { type: 'alert'; kind: 'split-view' | 'bad-entries'; origin: string; reason: string; evidence: string; command: string }
  | { type: 'untrusted'; origin: string; reason: string; evidence: string | null }
  | { type: 'bad-log'; origin: string; reason: string }
  | { type: 'unreachable'; origin: string; url: string; reason: string; counts: boolean }
  | { type: 'unproven'; origin: string; source: string; reason: string }
  | { type: 'ignored'; origin: string; source: string; reason: string }
  | { type: 'warning'; message: string };

/** Options of a {@link Monitor}. */
export interface MonitorOptions {
  db: Db;
  logs: FollowedLog[];
  /** Peer monitors' URLs (their gossip endpoint prefix). */
  peers?: string[];
  /** Witnesses' monitoring prefixes. */
  witnessUrls?: string[];
  evidenceDir: string;
  /** URL that receives each alert's evidence as a JSON POST. */
  webhook?: string;
  /** Clock in ms (default Date.now). */
  now?: () => number;
  /** Receives every event as it happens. */
  onEvent?: (e: MonitorEvent) => void;
  /** Per-request timeout, ms (default 20 000). */
  timeoutMs?: number;
}

/** The outcome of one round. */
export interface RoundResult {
  /** 0 all good; 1 a split view, broken entries, a bad or untrusted log; 3 a log unreachable or a check unproven. */
  exitCode: 0 | 1 | 3;
  events: MonitorEvent[];
}

/** How a foreign checkpoint relates to the accepted one. */
type Relation = { kind: 'same' | 'older' | 'newer' } | { kind: 'inconsistent'; proof: Hash[]; reason: string };

interface Followed {
  origin: string;
  vkey: string;
  url: string;
  verifier: Verifier;
  client: LogClient;
  hash: string;
}

const NETWORK_CODES = new Set(['UNREACHABLE', 'UNAVAILABLE', 'NOT_FOUND', 'TOO_LARGE']);

function message(e: unknown): string {
  return e instanceof RunproofError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
}

/** Monitor follows logs, gossips, and raises alarms with evidence. */
export class Monitor {
  private readonly store: MonitorStore;
  private readonly logs: Followed[];
  private readonly sources: string[];
  private readonly evidenceDir: string;
  private readonly webhook: string | undefined;
  private readonly now: () => number;
  private readonly onEvent: (e: MonitorEvent) => void;
  private readonly timeoutMs: number;
  /** Webhook posts of this round, awaited before the round ends. */
  private posts: Promise<void>[] = [];

  /**
   * Creates a monitor over an opened state database and registers the logs in it.
   * @throws RunproofError MALFORMED_KEY if a key is not an Ed25519 log key; MALFORMED_REQUEST
   *   for a URL that is not http(s); CONFLICT if the state file knows a log under another key
   */
  constructor(opts: MonitorOptions) {
    this.store = new MonitorStore(opts.db);
    this.timeoutMs = opts.timeoutMs ?? 20_000;
    this.logs = opts.logs.map((l) => {
      const verifier = parseVerifierKey(l.vkey);
      if (verifier.type !== SIG_ED25519) throw new RunproofError('MALFORMED_KEY', `log key ${verifier.name} is not an Ed25519 (0x01) log key`);
      const client = new LogClient(l.url, { timeoutMs: this.timeoutMs });
      this.store.addLog(verifier.name, l.vkey, client.baseUrl);
      return { origin: verifier.name, vkey: l.vkey, url: client.baseUrl, verifier, client, hash: toHex(sha256(utf8(verifier.name))) };
    });
    // LogClient validates each URL (http or https) up front: a typo fails at start, not mid-round.
    this.sources = [...(opts.peers ?? []), ...(opts.witnessUrls ?? [])].map((u) => new LogClient(u).baseUrl);
    this.evidenceDir = opts.evidenceDir;
    this.webhook = opts.webhook;
    this.now = opts.now ?? (() => Date.now());
    this.onEvent = opts.onEvent ?? (() => undefined);
  }

  /** round follows every log, then gossips with every peer, and returns the exit code and events. */
  async round(): Promise<RoundResult> {
    const events = [...(await this.followLogs()), ...(await this.gossipLogs())];
    let exitCode: 0 | 1 | 3 = 0;
    for (const e of events) {
      if (e.type === 'alert' || e.type === 'untrusted' || e.type === 'bad-log') exitCode = 1;
      else if (((e.type === 'unreachable' && e.counts) || e.type === 'unproven') && exitCode === 0) exitCode = 3;
    }
    return { exitCode, events };
  }

  /** followLogs does the follow half of a round (every log) and returns its events. */
  async followLogs(): Promise<MonitorEvent[]> {
    return this.collect(async (emit) => {
      for (const log of this.logs) await this.follow(log, emit);
    });
  }

  /** gossipLogs does the gossip half of a round (every log, every peer) and returns its events. */
  async gossipLogs(): Promise<MonitorEvent[]> {
    return this.collect(async (emit) => {
      for (const log of this.logs) await this.gossip(log, emit);
    });
  }

  /** Runs `work`, collecting and forwarding its events; waits for webhook posts it caused. */
  private async collect(work: (emit: (e: MonitorEvent) => void) => Promise<void>): Promise<MonitorEvent[]> {
    const events: MonitorEvent[] = [];
    await work((e) => {
      events.push(e);
      this.onEvent(e);
    });
    await Promise.all(this.posts.splice(0));
    return events;
  }

  /**
   * latestCheckpoint answers the gossip read `GET /<hex SHA-256(origin)>/checkpoint`: the latest
   * checkpoint this monitor accepted for that log (also after the log became untrusted), or
   * undefined.
   */
  latestCheckpoint(originHash: string): string | undefined {
    const log = this.logs.find((l) => l.hash === originHash);
    return log === undefined ? undefined : (this.store.get(log.origin)?.checkpoint ?? undefined);
  }

  /** status lists each followed log's accepted size and trust. */
  status(): { origin: string; url: string; size: number; trusted: boolean; reason: string | null; evidence: string | null }[] {
    return this.logs.map((l) => {
      const s = this.store.get(l.origin)!;
      return { origin: l.origin, url: l.url, size: s.size, trusted: s.untrusted === null, reason: s.untrusted?.reason ?? null, evidence: s.untrusted?.evidence ?? null };
    });
  }

  /** Follows one log for one round. */
  private async follow(log: Followed, emit: (e: MonitorEvent) => void): Promise<void> {
    const state = this.store.get(log.origin)!;
    if (state.untrusted !== null) {
      emit({ type: 'untrusted', origin: log.origin, reason: state.untrusted.reason, evidence: state.untrusted.evidence });
      return;
    }
    let note: string;
    try {
      note = await log.client.checkpoint();
    } catch (e) {
      emit({ type: 'unreachable', origin: log.origin, url: log.url, reason: message(e), counts: true });
      return;
    }
    let theirs: OpenedCheckpoint;
    try {
      theirs = openCheckpoint(note, log.verifier);
    } catch (e) {
      emit({ type: 'bad-log', origin: log.origin, reason: `its checkpoint does not verify: ${message(e)}` });
      return;
    }
    try {
      if (state.checkpoint !== null) {
        const ours = openCheckpoint(state.checkpoint, log.verifier);
        const rel = await this.relate(log, ours, theirs);
        if (rel.kind === 'inconsistent') {
          this.splitView(log, ours, theirs, log.url, rel, emit);
          return;
        }
        if (rel.kind === 'same') return emit({ type: 'unchanged', origin: log.origin, size: ours.checkpoint.size });
        if (rel.kind === 'older') return emit({ type: 'stale', origin: log.origin, size: theirs.checkpoint.size, source: log.url });
      }
      await this.checkAndAccept(log, state, theirs, emit);
    } catch (e) {
      if (isRunproofError(e) && NETWORK_CODES.has(e.code)) emit({ type: 'unreachable', origin: log.origin, url: log.url, reason: message(e), counts: true });
      // Anything else that failed here was built from unsigned tiles or bundles: not evidence.
      // Fetch them afresh next time rather than trusting the cached ones that failed.
      else if (isRunproofError(e)) {
        log.client.forgetTiles();
        emit({ type: 'unproven', origin: log.origin, source: log.url, reason: message(e) });
      }
      else throw e;
    }
  }

  /**
   * Checks the entries up to a newer consistent checkpoint and accepts it, or raises an alert.
   * The entries stream through (one bundle in memory at a time); their identities go into the
   * state file in the same transaction that accepts the checkpoint, or are rolled back.
   */
  private async checkAndAccept(log: Followed, state: LogState, cp: OpenedCheckpoint, emit: (e: MonitorEvent) => void): Promise<void> {
    const checked = await this.store.catchUp(
      log.origin,
      state.size,
      async (ids) => {
        const c = await checkNewEntries(log.client, state, cp.checkpoint, ids);
        if (c.violationCount > 0) return { result: c };
        return { result: c, accept: { size: cp.checkpoint.size, root: cp.checkpoint.root, checkpoint: cp.note, rightEdge: c.rightEdge, lastEntryTime: c.lastEntryTime } };
      },
      this.now,
    );
    if (checked.violationCount > 0) {
      const first = checked.violations[0]!;
      this.alarm(
        log,
        {
          kind: 'bad-entries',
          origin: log.origin,
          vkey: log.vkey,
          logUrl: log.url,
          reason: `${checked.violationCount} entries break the log's rules; first: ${first.message}`,
          detectedAt: this.now(),
          checkpoint: cp.note,
          violations: checked.violations,
        },
        emit,
      );
      return;
    }
    emit({ type: 'accepted', origin: log.origin, from: state.size, size: cp.checkpoint.size });
  }

  /** Gossips one log's accepted checkpoint with every peer and witness. */
  private async gossip(log: Followed, emit: (e: MonitorEvent) => void): Promise<void> {
    for (const source of this.sources) {
      const state = this.store.get(log.origin)!;
      if (state.untrusted !== null || state.checkpoint === null) return;
      let note: string;
      try {
        note = await new LogClient(`${source}/${log.hash}`, { timeoutMs: this.timeoutMs }).checkpoint();
      } catch (e) {
        if (!isRunproofError(e, 'NOT_FOUND')) emit({ type: 'unreachable', origin: log.origin, url: source, reason: message(e), counts: false });
        continue;
      }
      let theirs: OpenedCheckpoint;
      try {
        theirs = openCheckpoint(note, log.verifier);
      } catch (e) {
        emit({ type: 'ignored', origin: log.origin, source, reason: `not a checkpoint signed by the log: ${message(e)}` });
        continue;
      }
      const ours = openCheckpoint(state.checkpoint, log.verifier);
      let rel: Relation;
      try {
        rel = await this.relate(log, ours, theirs);
      } catch (e) {
        if (!isRunproofError(e)) throw e;
        if (NETWORK_CODES.has(e.code)) emit({ type: 'unreachable', origin: log.origin, url: log.url, reason: `cannot check ${source}'s checkpoint: ${message(e)}`, counts: true });
        else {
          log.client.forgetTiles();
          emit({ type: 'unproven', origin: log.origin, source, reason: `cannot check ${source}'s checkpoint of size ${theirs.checkpoint.size}: ${message(e)}` });
        }
        continue;
      }
      if (rel.kind === 'inconsistent') this.splitView(log, ours, theirs, source, rel, emit);
    }
  }

  /**
   * relate decides how a validly signed checkpoint relates to the accepted one. Equal sizes
   * compare roots (both signed). Different sizes need a consistency proof from the log's tiles,
   * which are unsigned: only a proof that reaches the larger signed root and contradicts the
   * smaller one is "inconsistent"; a missing or malformed tile, or a proof that fails, throws
   * (unproven: a corrupt tile, a lagging mirror or the network look exactly like that).
   * @throws RunproofError from the log client, or PROOF_FAILED
   */
  private async relate(log: Followed, ours: OpenedCheckpoint, theirs: OpenedCheckpoint): Promise<Relation> {
    const a = ours.checkpoint;
    const b = theirs.checkpoint;
    if (a.size === b.size) {
      return equalBytes(a.root, b.root) ? { kind: 'same' } : { kind: 'inconsistent', proof: [], reason: `two different roots for tree size ${a.size}` };
    }
    const proof = await proveConsistencyFromLog(log.client, ours, theirs);
    try {
      checkConsistency(ours, theirs, proof);
    } catch (e) {
      if (!isRunproofError(e, 'INCONSISTENT_LOG')) throw e;
      return { kind: 'inconsistent', proof, reason: e.message };
    }
    return { kind: b.size > a.size ? 'newer' : 'older' };
  }

  /** Records a split view between the accepted checkpoint and one from `source`. */
  private splitView(log: Followed, ours: OpenedCheckpoint, theirs: OpenedCheckpoint, source: string, rel: { proof: Hash[]; reason: string }, emit: (e: MonitorEvent) => void): void {
    const mine = { source: `accepted by this monitor from ${log.url}`, checkpoint: ours.note };
    const other = { source, checkpoint: theirs.note };
    const [old, neu] = theirs.checkpoint.size < ours.checkpoint.size ? [other, mine] : [mine, other];
    this.alarm(log, { kind: 'split-view', origin: log.origin, vkey: log.vkey, logUrl: log.url, reason: `split view with ${source}: ${rel.reason}`, detectedAt: this.now(), old, new: neu, proof: rel.proof }, emit);
  }

  /** Writes evidence, marks the log untrusted, reports the alert and posts it to the webhook. */
  private alarm(log: Followed, ev: Evidence, emit: (e: MonitorEvent) => void): void {
    const written = writeEvidence(this.evidenceDir, ev);
    this.store.markUntrusted(log.origin, this.now(), ev.kind, ev.reason, written.dir);
    emit({ type: 'alert', kind: ev.kind, origin: log.origin, reason: ev.reason, evidence: written.dir, command: written.command });
    if (this.webhook !== undefined) this.posts.push(this.postWebhook(written.document, emit));
  }

  private async postWebhook(document: Record<string, unknown>, emit: (e: MonitorEvent) => void): Promise<void> {
    try {
      const res = await fetch(this.webhook!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(document),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.body?.cancel();
      if (!res.ok) emit({ type: 'warning', message: `webhook ${this.webhook} answered HTTP ${res.status}` });
    } catch (e) {
      emit({ type: 'warning', message: `webhook ${this.webhook}: ${message(e)}` });
    }
  }
}
