/**
 * Turning what an audit saw in unsigned answers into a verdict about the log (signed-tree.ts).
 *
 * Only signed statements are evidence. An entry-rule fault seen in a served bundle (an entry not
 * 41 bytes or of another type, a time going back, an identity logged twice) is reported as the
 * log's only with inclusion proofs of the entries that show it against the signed root
 * (`evidence.proven: true`, with everything a third party needs to check it offline). If the
 * log does not serve the proofs' tiles now, or the proofs read from them do not check (tiles are
 * unsigned too, and a log can answer a proof's requests with garbage as easily as refuse them),
 * the fault is pending ({@link PendingFault}): the audit recomputes the tree from the rest of the
 * bundles and proves it from that ({@link proveFromRecomputed}). If that fails too (for a
 * doctored bundle the recomputed root is not the signed root), or the other entry's bundle is
 * not served, the fault is left unproven (AUDIT_FAILED, `proven: false`, saying why): the audit
 * saw it, so it fails, but it holds nothing against the log.
 *
 * A bundle read again to compare an identity that is not the bundle audited is two unsigned
 * answers that disagree: the audit fails (it cannot tell which, if either, the log signed), with
 * `proven: false`. Nothing signed shows that the log, and not the network, served either one.
 */
import { RunproofError, isRunproofError } from '../../src/errors.js';
import { toBase64 } from '../../src/encoding/base64.js';
import type { Hash } from '../../src/merkle/hash.js';
import { TILE_WIDTH } from '../../src/merkle/tiles.js';
import { ENTRY_IDENTITY_OFFSET, ENTRY_IDENTITY_SIZE } from '../../src/note/entry.js';
import { checkEntry, type EntryFault, type EntryRule, type EntryRulesState } from '../../src/note/entry-rules.js';
import type { HashReader } from '../../src/merkle/tree.js';
import { type Checked, type ServedEntry, type SignedTree, type Untied, notRead, proveEntries, proveEntriesFrom } from './signed-tree.js';

/** The signed tree under audit, with its signed checkpoint note. */
export interface AuditedTree extends SignedTree {
  note: string;
}

/** Bytes per bundle record before the entry: a big-endian uint16 length (c2sp.org/tlog-tiles). */
const RECORD_PREFIX = 2;

/**
 * recordAt returns the entry of record `k` of a bundle, or undefined if the bundle ends first.
 * It walks the length prefixes: it runs only when a fault is proven, never per entry.
 */
export function recordAt(bundle: Uint8Array, k: number): Uint8Array | undefined {
  let o = 0;
  for (let i = 0; i < k; i++) {
    if (o + RECORD_PREFIX > bundle.length) return undefined;
    o += RECORD_PREFIX + bundle[o]! * 256 + bundle[o + 1]!;
  }
  if (o + RECORD_PREFIX > bundle.length) return undefined;
  const end = o + RECORD_PREFIX + bundle[o]! * 256 + bundle[o + 1]!;
  return end <= bundle.length ? bundle.subarray(o + RECORD_PREFIX, end) : undefined;
}

/**
 * The entry that a fault at `index` is seen against, if any: the earlier entry with the same
 * identity, or the previous entry for a time going back (the audit stops at the first fault, so
 * the latest time before `index` is that of entry index − 1).
 */
function otherEntry(fault: EntryFault, index: number): number | undefined {
  if (fault.rule === 'duplicate-identity') return fault.evidence['earlier'] as number;
  if (fault.rule === 'time-decreased') return index - 1;
  return undefined;
}

/** An entry as served, with the bundle it was read from (its full bundle's index and bytes). */
interface ReadEntry extends ServedEntry {
  bundle: number;
  bytes: Uint8Array;
}

/** A full bundle the audit checked and still holds: its index and bytes as served. */
export interface HeldBundle {
  b: number;
  bundle: Uint8Array;
}

/**
 * servedEntry returns entry `index` as the log serves it: from `bundle` (bundle `b`, at hand), from
 * `held` (the bundle checked before it, for a time going back at `b`'s first entry), or by reading
 * its full bundle again. A bundle not served now, or served without that entry, is the {@link Untied} to report.
 */
async function servedEntry(tree: AuditedTree, index: number, b: number, bundle: Uint8Array, held: HeldBundle | undefined): Promise<ReadEntry | Untied> {
  const at = Math.floor(index / TILE_WIDTH);
  let data = bundle;
  if (at !== b && held?.b === at) data = held.bundle;
  else if (at !== b) {
    try {
      data = await tree.client.entries(at, TILE_WIDTH);
    } catch (e) {
      if (!isRunproofError(e)) throw e;
      return notRead(e, tree.size);
    }
  }
  const entry = recordAt(data, index - at * TILE_WIDTH);
  if (entry === undefined) return { verdict: 'unproven', why: `bundle ${at} as served now has no entry ${index}` };
  return { index, entry, bundle: at, bytes: data };
}

/**
 * faultIn returns the fault of `rule` that the entries themselves show — the last one, after the
 * first for a time or a repeat (checkEntry, the one statement of the rules) — or undefined.
 * Proven entries that show none are not the entries the audit judged (a bundle read again, or
 * saved progress, said otherwise). The fault's message and values come from the entries alone.
 */
function faultIn(rule: EntryRule, entries: readonly ServedEntry[]): EntryFault | undefined {
  const last = entries[entries.length - 1]!;
  const earlier = entries.length > 1 ? entries[0] : undefined;
  const state: EntryRulesState = { lastTime: 0 };
  const none = () => undefined;
  let clean = true;
  if (earlier !== undefined) {
    checkEntry(earlier.entry, 0, earlier.entry.length, earlier.index, state, none, () => {
      clean = false;
    });
  }
  if (!clean) return undefined;
  const seen = (data: Uint8Array, offset: number) => {
    if (earlier === undefined) return undefined;
    for (let i = 0; i < ENTRY_IDENTITY_SIZE; i++) if (data[offset + i] !== earlier.entry[ENTRY_IDENTITY_OFFSET + i]) return undefined;
    return earlier.index;
  };
  let found: EntryFault | undefined;
  checkEntry(last.entry, 0, last.entry.length, last.index, state, seen, (f) => {
    if (f.rule === rule) found = f;
  });
  return found;
}

/** unproven is the AUDIT_FAILED of something seen only in served data that does not match the signed tree. */
function unproven(seen: RunproofError, why: string, evidence: Record<string, unknown>): RunproofError {
  return new RunproofError('AUDIT_FAILED', `${seen.message}, as served; but the served data does not match the tree the checkpoint signs (${why}): unproven, not evidence that the log broke its rules`, {
    evidence: { ...seen.evidence, ...evidence, proven: false, why },
  });
}

/**
 * unprovable is the AUDIT_FAILED of a fault seen in served data whose proof the log does not
 * serve now (404, 429/5xx, unreachable): the audit saw the fault and fails, but without the
 * proof it is no evidence against the log (`proven: false`). Not UNAVAILABLE ("try again later",
 * exit 3): a log that really broke a rule could refuse only the requests a proof makes — they are
 * the only ones for upper tiles during the pass over the bundles — and so never fail an audit.
 */
function unprovable(seen: RunproofError, e: RunproofError, about: Record<string, unknown>, also = ''): RunproofError {
  const why = `the log did not serve what would prove it: ${e.message}${also}`;
  return new RunproofError('AUDIT_FAILED', `${seen.message}, as served; ${why}: unproven, not evidence that the log broke its rules`, {
    evidence: { ...seen.evidence, ...about, ...e.evidence, proven: false, why },
    cause: e,
  });
}

const b64 = (proof: readonly Hash[]) => proof.map((h) => toBase64(h));

/** A fault seen, with the entries read to prove it and what it is reported with. */
interface Fault {
  index: number;
  fault: EntryFault;
  seen: RunproofError;
  about: Record<string, unknown>;
  entries: readonly ReadEntry[];
}

/**
 * A fault whose proof tiles the log did not serve (`notServed`): the audit goes on over the
 * bundles to recompute the tree itself and proves it from that ({@link proveFromRecomputed}).
 * `bundles` holds the bytes of the bundles its entries were read from, by index.
 */
export class PendingFault {
  readonly bundles: ReadonlyMap<number, Uint8Array>;

  constructor(
    readonly found: Fault,
    /** What the log's tiles gave: not served (an error), or proofs that did not check (why). */
    readonly notServed: RunproofError | string,
  ) {
    this.bundles = new Map(found.entries.map((e) => [e.bundle, e.bytes]));
  }

  /**
   * unprovable is the AUDIT_FAILED (`proven: false`) of this fault when it cannot be proven from
   * the recomputed tree either, for the reason `why`.
   */
  unprovable(why: string): RunproofError {
    const also = `; and it could not be proven from the audit's own recomputed tree either: ${why}`;
    if (typeof this.notServed === 'string') {
      const served = this.found.entries.map((e) => ({ index: e.index, entry: toBase64(e.entry) }));
      return unproven(this.found.seen, `${this.notServed}${also}`, { ...this.found.about, entries: served });
    }
    return unprovable(this.found.seen, this.notServed, this.found.about, also);
  }
}

/**
 * proveRuleFault proves the entry-rule `fault` of entry `index`, seen in bundle `b` (`bundle` as
 * served) and reported as `seen` (AUDIT_FAILED with the index, URLs and the rule's details), the
 * other entry taken from `bundle`, from `held` or read again, and returns the error to throw: AUDIT_FAILED with `evidence.proven` true (the signed checkpoint, and
 * each entry showing the fault in base64 with its index and inclusion proof) or false (the
 * reason: the entries the proofs are for are not served, or the proven entries do not break the
 * rule, or the time compared came from saved progress). If the log does not serve the proofs'
 * tiles, or they do not lead to the signed root, it returns a {@link PendingFault} instead.
 * @throws Error only for a bug
 */
export async function proveRuleFault(tree: AuditedTree, b: number, bundle: Uint8Array, index: number, fault: EntryFault, seen: RunproofError, held?: HeldBundle): Promise<RunproofError | PendingFault> {
  const about = { rule: fault.rule, checkpoint: tree.note };
  const other = otherEntry(fault, index);
  // Only saved progress (its last time) can put a time before entry 0: nothing the log served.
  if (other !== undefined && other < 0) return unproven(seen, 'the time it was compared with came from saved progress, not from an entry', about);
  const entries: ReadEntry[] = [];
  for (const i of other === undefined ? [index] : [other, index]) {
    const got = await servedEntry(tree, i, b, bundle, held);
    if ('verdict' in got) return got.verdict === 'unavailable' ? unprovable(seen, got.error, about) : unproven(seen, got.why, about);
    entries.push(got);
  }
  const f: Fault = { index, fault, seen, about, entries };
  const tie = await proveEntries(tree, entries);
  // A log could refuse exactly the requests a proof makes: the audit's own tree can prove it.
  if (tie.verdict === 'unavailable') return new PendingFault(f, tie.error);
  // Tiles that are served but do not lead to the signed root are unsigned too: a log could serve
  // wrong ones to exactly those requests as easily as refuse them.
  if (tie.verdict === 'unproven') return new PendingFault(f, tie.why);
  return judged(f, tie);
}

/**
 * proveFromRecomputed proves a {@link PendingFault} with proofs built from `read`, the audit's
 * own recomputed tree (whose root the caller found to be the signed root), and returns the error
 * to throw: as {@link proveRuleFault}, with `evidence.proofsFrom: 'recomputed tree'` when proven.
 */
export function proveFromRecomputed(tree: AuditedTree, pending: PendingFault, read: HashReader): RunproofError {
  return judged(pending.found, proveEntriesFrom(tree, pending.found.entries, read), { proofsFrom: 'recomputed tree' });
}

/** judged turns the tie of a fault's entries to the signed root into the error to throw. */
function judged(f: Fault, tie: Checked<Hash[][]>, from: Record<string, unknown> = {}): RunproofError {
  const { index, seen, about, entries } = f;
  const served = entries.map((e) => ({ index: e.index, entry: toBase64(e.entry) }));
  if (tie.verdict === 'unproven') return unproven(seen, tie.why, { ...about, entries: served });
  const shown = faultIn(f.fault.rule, entries);
  if (shown === undefined) return unproven(seen, 'the entries the signed tree holds there do not break this rule', { ...about, entries: served });
  const which = entries.length === 1 ? `entry ${index} is` : `entries ${entries[0]!.index} and ${index} are`;
  // Said from the proven entries alone: what was seen may have come from saved progress.
  return new RunproofError('AUDIT_FAILED', `entry ${index}: ${shown.message}; proven: ${which} in the tree the checkpoint signs (inclusion proofs in the evidence)`, {
    evidence: { ...seen.evidence, ...shown.evidence, ...about, proven: true, ...from, entries: served.map((e, i) => ({ ...e, proof: b64(tie.proof[i]!) })) },
  });
}

/**
 * rereadMismatch is the error for a full bundle read again (`bundle`) that is not the bundle
 * audited (reported as `seen`): AUDIT_FAILED with `proven: false`. Two unsigned answers for one
 * bundle disagree, so the audit cannot go on, but nothing signed shows which one, if either, the
 * log signed, nor that the log and not the network served them: proving the first one the
 * signed bundle would not make the second one the log's word.
 */
export function rereadMismatch(tree: AuditedTree, bundle: Uint8Array, seen: RunproofError): RunproofError {
  return unproven(seen, 'two answers for one bundle disagree, and neither is signed', { checkpoint: tree.note, served: toBase64(bundle) });
}
