/**
 * Trust policies — c2sp.org/tlog-policy (draft, main branch 2026-06):
 *
 *     log <vkey> [<url>]
 *     witness <name> <vkey> [<url>]
 *     group <name> all|any|<k> <member>...
 *     quorum <name>|none
 *
 * A checkpoint is valid under a policy if one listed log signed it and the quorum of witness
 * cosignatures is met. Parsing is strict (MALFORMED_POLICY with the line number):
 * - only tab, newline, 0x20–0x7E and non-ASCII characters ("Character set"); so CR is rejected;
 * - fields are separated by spaces/tabs; blank and `#` comment lines are ignored;
 * - log keys must be Ed25519 (0x01) and witness keys cosignature/v1 (0x04) — the only types
 *   this project signs with; two entries wrapping the same public key are duplicates, and two
 *   keys with the same key name and key ID are refused (signature lines could not tell them apart);
 * - witness and group names share one namespace; `none` is reserved;
 * - a group lists n ≥ 1 members defined on earlier lines, 1 ≤ k ≤ n; a name may be listed as a
 *   member at most once in the whole file (the spec's "at most once", read so that a witness
 *   contributes to the quorum in only one way);
 * - exactly one quorum line, naming an earlier definition or `none`.
 * Deviations: the text must be valid UTF-8 (the spec treats high-bit octets as opaque; names
 * are compared as strings, which is the same thing for UTF-8); a missing final newline is
 * accepted.
 */
import { RunproofError } from '../errors.js';
import { parseDecimal } from '../encoding/decimal.js';
import { decodeUtf8, equalBytes } from '../encoding/utf8.js';
import { formatKeyId, parseVerifierKey, type Verifier } from './keys.js';
import { SIG_COSIGNATURE_V1, SIG_ED25519 } from './key-types.js';

/** A log accepted by a policy. */
export interface PolicyLog {
  verifier: Verifier;
  url?: string;
}

/** A witness of a policy; `name` is the policy-local name, `verifier.name` the key name. */
export interface PolicyWitness {
  name: string;
  verifier: Verifier;
  url?: string;
}

/** A k-of-n group of witnesses and/or earlier groups. */
export interface PolicyGroup {
  name: string;
  threshold: number;
  members: string[];
}

/** A parsed tlog-policy. `quorum` is `'none'` or the name of a witness or group. */
export interface TrustPolicy {
  logs: PolicyLog[];
  witnesses: PolicyWitness[];
  groups: PolicyGroup[];
  quorum: string;
}

/** A verified cosigner: its key name, or key name and key ID (as `openCheckpoint` returns). */
export type Cosigned = string | { name: string; keyId: number };

/** Implementation limits (the spec asks for at least 32 of each). */
export const MAX_POLICY_LOGS = 256;
export const MAX_POLICY_WITNESSES = 256;
export const MAX_POLICY_GROUPS = 256;
/** Largest accepted policy file, in bytes. */
export const MAX_POLICY_SIZE = 1_000_000;

const malformed = (why: string, line: number, cause?: unknown) =>
  new RunproofError('MALFORMED_POLICY', why, cause === undefined ? { path: `line ${line}` } : { path: `line ${line}`, cause });

function parseKey(vkey: string, type: number, what: string, line: number): Verifier {
  let v: Verifier;
  try {
    v = parseVerifierKey(vkey);
  } catch (cause) {
    throw malformed(`invalid ${what} vkey`, line, cause);
  }
  if (v.type !== type) throw malformed(`${what} key must have signature type 0x0${type}`, line);
  return v;
}

/**
 * parsePolicy parses a c2sp.org/tlog-policy file strictly.
 * @throws RunproofError MALFORMED_POLICY (path: the line number)
 */
export function parsePolicy(input: string | Uint8Array): TrustPolicy {
  if (input.length > MAX_POLICY_SIZE) throw malformed(`policy larger than ${MAX_POLICY_SIZE} bytes`, 1);
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    try {
      text = decodeUtf8(input, 'policy');
    } catch (cause) {
      throw malformed('policy is not valid UTF-8', 1, cause);
    }
  }
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const logs: PolicyLog[] = [];
  const witnesses: PolicyWitness[] = [];
  const groups: PolicyGroup[] = [];
  const defined = new Set<string>();
  const usedAsMember = new Set<string>();
  let quorum: string | undefined;
  const isDuplicateKey = (v: Verifier) =>
    logs.some((l) => equalBytes(l.verifier.publicKey, v.publicKey)) || witnesses.some((w) => equalBytes(w.verifier.publicKey, v.publicKey));
  // Signature lines name a key only by name and 32-bit key ID (signed-note), and openNote refuses
  // two different keys under one pair: a colliding key (which a witness operator can grind) would
  // otherwise make every checkpoint under this policy fail to open.
  const isAmbiguousKey = (v: Verifier) => [...logs.map((l) => l.verifier), ...witnesses.map((w) => w.verifier)].some((o) => o.name === v.name && o.keyId === v.keyId);

  lines.forEach((raw, i) => {
    const n = i + 1;
    const bad = /[\u0000-\u0008\u000b-\u001f\u007f]|\p{Cs}/u.exec(raw);
    if (bad !== null) throw malformed(`forbidden character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}`, n);
    const fields = raw.split(/[ \t]+/).filter((f) => f !== '');
    const [keyword, ...args] = fields;
    if (keyword === undefined || keyword.startsWith('#')) return;
    switch (keyword) {
      case 'log': {
        if (args.length < 1 || args.length > 2) throw malformed('want: log <vkey> [<url>]', n);
        if (logs.length === MAX_POLICY_LOGS) throw malformed(`more than ${MAX_POLICY_LOGS} logs`, n);
        const verifier = parseKey(args[0]!, SIG_ED25519, 'log', n);
        if (isDuplicateKey(verifier)) throw malformed('duplicate public key', n);
        if (isAmbiguousKey(verifier)) throw malformed(`another key has the same name and key ID (${verifier.name}+${formatKeyId(verifier.keyId)})`, n);
        logs.push(args[1] === undefined ? { verifier } : { verifier, url: args[1] });
        return;
      }
      case 'witness': {
        if (args.length < 2 || args.length > 3) throw malformed('want: witness <name> <vkey> [<url>]', n);
        if (witnesses.length === MAX_POLICY_WITNESSES) throw malformed(`more than ${MAX_POLICY_WITNESSES} witnesses`, n);
        const name = args[0]!;
        if (name === 'none' || defined.has(name)) throw malformed(`name ${JSON.stringify(name)} is reserved or already defined`, n);
        const verifier = parseKey(args[1]!, SIG_COSIGNATURE_V1, 'witness', n);
        if (isDuplicateKey(verifier)) throw malformed('duplicate public key', n);
        if (isAmbiguousKey(verifier)) throw malformed(`another key has the same name and key ID (${verifier.name}+${formatKeyId(verifier.keyId)})`, n);
        defined.add(name);
        witnesses.push(args[2] === undefined ? { name, verifier } : { name, verifier, url: args[2] });
        return;
      }
      case 'group': {
        if (args.length < 3) throw malformed('want: group <name> all|any|<k> <member>...', n);
        if (groups.length === MAX_POLICY_GROUPS) throw malformed(`more than ${MAX_POLICY_GROUPS} groups`, n);
        const [name, k, ...members] = args as [string, string, ...string[]];
        if (name === 'none' || defined.has(name)) throw malformed(`name ${JSON.stringify(name)} is reserved or already defined`, n);
        for (const m of members) {
          if (!defined.has(m)) throw malformed(`group member ${JSON.stringify(m)} is not defined on an earlier line`, n);
          if (usedAsMember.has(m)) throw malformed(`${JSON.stringify(m)} is already a group member`, n);
          usedAsMember.add(m);
        }
        let threshold: number;
        if (k === 'all') threshold = members.length;
        else if (k === 'any') threshold = 1;
        else {
          try {
            threshold = parseDecimal(k, 'threshold');
          } catch (cause) {
            throw malformed('threshold must be all, any or a decimal number', n, cause);
          }
          if (threshold < 1 || threshold > members.length) throw malformed(`threshold ${threshold} is not between 1 and ${members.length}`, n);
        }
        defined.add(name);
        groups.push({ name, threshold, members });
        return;
      }
      case 'quorum': {
        if (args.length !== 1) throw malformed('want: quorum <name>', n);
        if (quorum !== undefined) throw malformed('more than one quorum line', n);
        const name = args[0]!;
        if (name !== 'none' && !defined.has(name)) throw malformed(`quorum ${JSON.stringify(name)} is not defined on an earlier line`, n);
        quorum = name;
        return;
      }
      default:
        throw malformed(`unknown keyword ${JSON.stringify(keyword)}`, n);
    }
  });
  if (quorum === undefined) throw malformed('no quorum line', lines.length);
  return { logs, witnesses, groups, quorum };
}

/** policyLogVerifiers returns the verifiers of every policy log whose key name is `origin`. */
export function policyLogVerifiers(policy: TrustPolicy, origin: string): Verifier[] {
  return policy.logs.filter((l) => l.verifier.name === origin).map((l) => l.verifier);
}

/**
 * policyLogVerifier returns the verifier of the policy's log for `origin` (tlog-policy "Defining
 * a log": the key name is the origin).
 * @throws RunproofError UNKNOWN_KEY if the policy lists no log for that origin
 */
export function policyLogVerifier(policy: TrustPolicy, origin: string): Verifier {
  const [v] = policyLogVerifiers(policy, origin);
  if (v === undefined) throw new RunproofError('UNKNOWN_KEY', `the policy lists no log with origin ${JSON.stringify(origin)}`);
  return v;
}

/** policyCosigners returns the verifiers of all the policy's witnesses. */
export function policyCosigners(policy: TrustPolicy): Verifier[] {
  return policy.witnesses.map((w) => w.verifier);
}

/**
 * checkQuorum checks that the verified cosigners meet the policy's quorum, evaluating nested
 * k-of-n groups ("Defining a witness group"). A string matches a witness by key name; an object
 * by key name and key ID. Cosigners not in the policy are ignored.
 * @throws RunproofError QUORUM_NOT_MET (evidence: the quorum, the groups that failed, and the
 *   policy witnesses that cosigned)
 */
export function checkQuorum(policy: TrustPolicy, verifiedCosigners: Iterable<Cosigned>): void {
  if (policy.quorum === 'none') return;
  const given = [...verifiedCosigners];
  const met = new Map<string, boolean>();
  for (const w of policy.witnesses) {
    const v = w.verifier;
    met.set(w.name, given.some((c) => (typeof c === 'string' ? c === v.name : c.name === v.name && c.keyId === v.keyId)));
  }
  const failed: string[] = [];
  for (const g of policy.groups) {
    let count = 0;
    for (const m of g.members) if (met.get(m) === true) count++;
    const ok = count >= g.threshold;
    met.set(g.name, ok);
    if (!ok) failed.push(g.name);
  }
  if (met.get(policy.quorum) === true) return;
  const cosigned = policy.witnesses.filter((w) => met.get(w.name) === true).map((w) => w.name);
  throw new RunproofError('QUORUM_NOT_MET', `quorum ${policy.quorum} not met (failed: ${failed.length > 0 ? failed.join(', ') : policy.quorum})`, {
    evidence: { quorum: policy.quorum, failedGroups: failed, cosigned },
  });
}
