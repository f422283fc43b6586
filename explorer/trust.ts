/**
 * What the page trusts: a log verifier key or a tlog-policy (c2sp.org/tlog-policy), pinned by the
 * user (pasted, `#vkey=` / `#policy=`, or remembered in local storage for this log URL) — or, when
 * nothing is pinned, the key the log itself serves at `/v1/log`, which proves only that the log
 * is consistent with itself and is labelled "not independently pinned" wherever it is used.
 *
 * Pinned witness keys become a policy with `quorum none`: their cosignatures are verified and
 * named, none is required. A pasted policy keeps its own quorum.
 */
import { RunproofError } from '../src/errors.js';
import { parseVerifierKey } from '../src/note/keys.js';
import { parsePolicy, type TrustPolicy } from '../src/note/policy.js';
import type { ReceiptTrust } from '../verifier/index.js';

/** Where the trust root came from. */
export type TrustSource = 'fragment' | 'saved' | 'pasted' | 'served';

/** A resolved trust root. */
export interface TrustRoot {
  trust: ReceiptTrust;
  /** The text as given: a verifier key, or a policy. */
  text: string;
  source: TrustSource;
  /** False only for the log's own served key. */
  pinned: boolean;
  /** The log key(s) named, for display. */
  logKeys: string[];
  /** Pinned witness names (policy only). */
  witnesses: string[];
  policy?: TrustPolicy;
}

/**
 * parseTrust reads a verifier key (one line `name+hexid+base64`) or a tlog-policy (lines
 * starting with `log`, `witness`, `group`, `quorum`). Several lines of bare verifier keys are
 * read as one log key followed by witness keys (a policy with `quorum none`).
 * @throws RunproofError MALFORMED_KEY / MALFORMED_POLICY
 */
export function parseTrust(text: string, source: TrustSource): TrustRoot {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new RunproofError('MALFORMED_KEY', 'no verifier key or policy given');
  const isPolicy = lines.some((l) => /^(log|witness|group|quorum)\s/.test(l));
  let policyText: string;
  if (isPolicy) {
    policyText = lines.join('\n') + '\n';
  } else if (lines.length === 1) {
    const v = parseVerifierKey(lines[0]!);
    return { trust: { vkey: lines[0]! }, text: lines[0]!, source, pinned: source !== 'served', logKeys: [v.name], witnesses: [] };
  } else {
    const [log, ...witnesses] = lines;
    parseVerifierKey(log!);
    policyText = [`log ${log}`, ...witnesses.map((w) => `witness ${parseVerifierKey(w).name} ${w}`), 'quorum none', ''].join('\n');
  }
  const policy = parsePolicy(policyText);
  return {
    trust: { policy },
    text: policyText,
    source,
    pinned: source !== 'served',
    logKeys: policy.logs.map((l) => l.verifier.name),
    witnesses: policy.witnesses.map((w) => w.name),
    policy,
  };
}

const storageKey = (logUrl: string) => `runproof-explorer:trust:${logUrl}`;

/** savedTrust returns the trust text remembered for a log, if any (and if storage works). */
export function savedTrust(logUrl: string): string | undefined {
  try {
    return localStorage.getItem(storageKey(logUrl)) ?? undefined;
  } catch {
    return undefined;
  }
}

/** saveTrust remembers (or with `undefined`, forgets) the trust text for a log. */
export function saveTrust(logUrl: string, text: string | undefined): void {
  try {
    if (text === undefined) localStorage.removeItem(storageKey(logUrl));
    else localStorage.setItem(storageKey(logUrl), text);
  } catch {
    // storage disabled: pinning lasts for this page only
  }
}

/** What a runproof log serves about itself at `GET /v1/log`. */
export interface ServedLogInfo {
  origin: string;
  vkey: string;
  witnesses: { name: string; vkey: string }[];
}

/** servedTrust turns the log's own description into an unpinned trust root (log key and its witnesses). */
export function servedTrust(info: ServedLogInfo): TrustRoot {
  const text = [info.vkey, ...info.witnesses.map((w) => w.vkey)].join('\n');
  return parseTrust(text, 'served');
}

/**
 * parseServedInfo checks the shape of a `/v1/log` answer strictly.
 * @throws RunproofError MALFORMED_REQUEST
 */
export function parseServedInfo(value: unknown): ServedLogInfo {
  const bad = () => new RunproofError('MALFORMED_REQUEST', 'the log describes itself in an unexpected shape');
  if (typeof value !== 'object' || value === null) throw bad();
  const v = value as Record<string, unknown>;
  if (typeof v['origin'] !== 'string' || typeof v['vkey'] !== 'string' || !Array.isArray(v['witnesses'])) throw bad();
  const witnesses = v['witnesses'].map((w: unknown) => {
    const o = w as Record<string, unknown>;
    if (typeof o !== 'object' || o === null || typeof o['name'] !== 'string' || typeof o['vkey'] !== 'string') throw bad();
    return { name: o['name'], vkey: o['vkey'] };
  });
  return { origin: v['origin'], vkey: v['vkey'], witnesses };
}
