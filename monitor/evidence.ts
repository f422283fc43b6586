/**
 * Evidence files: what the monitor writes when it catches a log misbehaving, laid out so anyone
 * can re-check it without trusting the monitor.
 *
 * A split view (two validly signed checkpoints of one log that no consistency proof joins) is a
 * directory with
 *   old.checkpoint, new.checkpoint   the two signed notes, the smaller tree as "old"
 *   proof                            the consistency proof that failed (base64, one hash a line)
 *   evidence.json                    what, where from, when, and the command that confirms it
 * and `runproof consistency --vkey KEY --proof proof --old old.checkpoint --new new.checkpoint`
 * exits 1 on it. Broken entry rules are recorded with the signed checkpoint covering them and
 * the entries; `runproof audit` on the log confirms them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Hash } from '../src/merkle/hash.js';
import { formatProof } from '../verifier/index.js';
import { toBase64 } from '../src/encoding/base64.js';
import type { EntryViolation } from './entries.js';

/** A split view: two signed checkpoints of one log that are not consistent. */
export interface SplitViewEvidence {
  kind: 'split-view';
  origin: string;
  vkey: string;
  logUrl: string;
  reason: string;
  detectedAt: number;
  /** The smaller (or, for equal sizes, the monitor's own) checkpoint and where it came from. */
  old: { source: string; checkpoint: string };
  new: { source: string; checkpoint: string };
  proof: Hash[];
}

/** Entries of a validly signed tree that break the log's entry rules. */
export interface BadEntriesEvidence {
  kind: 'bad-entries';
  origin: string;
  vkey: string;
  logUrl: string;
  reason: string;
  detectedAt: number;
  checkpoint: string;
  violations: EntryViolation[];
}

/** Any evidence the monitor writes. */
export type Evidence = SplitViewEvidence | BadEntriesEvidence;

/** Quotes a shell argument with single quotes. */
function sh(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function slug(origin: string): string {
  return origin.replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 80);
}

/** confirmCommand returns the `runproof` command line that re-checks evidence stored in `dir`. */
function confirmCommand(ev: Evidence, dir: string): string {
  if (ev.kind === 'split-view') {
    return ['runproof', 'consistency', '--vkey', ev.vkey, '--proof', join(dir, 'proof'), '--old', join(dir, 'old.checkpoint'), '--new', join(dir, 'new.checkpoint')].map(sh).join(' ');
  }
  return ['runproof', 'audit', '--log', ev.logUrl, '--vkey', ev.vkey].map(sh).join(' ');
}

/**
 * writeEvidence stores evidence in a new directory under `evidenceDir` and returns its path,
 * the confirming command and the JSON document written (also what a webhook receives).
 */
export function writeEvidence(evidenceDir: string, ev: Evidence): { dir: string; command: string; document: Record<string, unknown> } {
  const stamp = new Date(ev.detectedAt).toISOString().replace(/[:.]/g, '-');
  const base = resolve(evidenceDir, `${stamp}-${slug(ev.origin)}-${ev.kind}`);
  let dir = base;
  for (let i = 2; i < 1000; i++) {
    try {
      mkdirSync(dir, { recursive: false });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') mkdirSync(evidenceDir, { recursive: true });
      else if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      else dir = `${base}-${i}`;
    }
  }
  const command = confirmCommand(ev, dir);
  const common = { kind: ev.kind, origin: ev.origin, vkey: ev.vkey, log: ev.logUrl, reason: ev.reason, detected_at: new Date(ev.detectedAt).toISOString(), confirm: command };
  let document: Record<string, unknown>;
  if (ev.kind === 'split-view') {
    writeFileSync(join(dir, 'old.checkpoint'), ev.old.checkpoint);
    writeFileSync(join(dir, 'new.checkpoint'), ev.new.checkpoint);
    writeFileSync(join(dir, 'proof'), formatProof(ev.proof));
    document = { ...common, old: ev.old, new: ev.new, proof: ev.proof.map((h) => toBase64(h)) };
  } else {
    writeFileSync(join(dir, 'checkpoint'), ev.checkpoint);
    document = { ...common, checkpoint: ev.checkpoint, violations: ev.violations };
  }
  writeFileSync(join(dir, 'evidence.json'), JSON.stringify(document, null, 2) + '\n');
  return { dir, command, document };
}
