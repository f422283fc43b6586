/**
 * Running one conformance vector against the reference implementation: each kind of vector has
 * one function from its inputs to an outcome (a result, or the error code and path), used both to
 * write the vectors (conformance/generate.ts) and to check them on every test run.
 */
import { RunproofError } from '../src/errors.js';
import { toBase64 } from '../src/encoding/base64.js';
import { toHex } from '../src/encoding/hex.js';
import { decodeUtf8 } from '../src/encoding/utf8.js';
import { declarationIdentity, identityOfValue, parseIdentity } from '../src/declaration/identity.js';
import { mapRequest, type MapRequestOptions, type RequestApi } from '../src/declaration/mappers.js';
import { canonicalBytes } from '../src/json/canonical.js';
import { parseStrictJson, type JsonValue } from '../src/json/strict.js';
import { leafHash, sha256 } from '../src/merkle/hash.js';
import { rootFromInclusionProof, verifyConsistency, verifyInclusion } from '../src/merkle/proof.js';
import { fromHex } from '../src/encoding/hex.js';
import { decodeEntry } from '../src/note/entry.js';
import { parseCheckpoint, openCheckpoint } from '../src/note/checkpoint.js';
import { parseVerifierKey, verifierKey } from '../src/note/keys.js';
import { openNote } from '../src/note/note.js';
import { parsePolicy } from '../src/note/policy.js';
import { verifyReceipt, type ReceiptTrust } from '../src/receipt/verify.js';
import { inputBytes, type Input } from './input.js';

/** A refusal: the error code, and the path where the code has one. */
export interface Refusal {
  code: string;
  path?: string;
}

/** catching runs `f`; a RunproofError becomes a {@link Refusal}, anything else is a bug. */
export function catching<T>(f: () => T): T | Refusal {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof RunproofError)) throw e;
    return e.path === undefined ? { code: e.code } : { code: e.code, path: e.path };
  }
}

/** What an accepted text gives: its canonical bytes (as text, or their length and hash when large) and identity. */
export interface Accepted {
  canonical?: string;
  canonical_length?: number;
  canonical_sha256?: string;
  identity: string;
}

/** Canonical bytes longer than this are given by length and SHA-256 rather than stored. */
export const STORED_CANONICAL_MAX = 4096;

function accepted(canonical: Uint8Array, identity: string): Accepted {
  if (canonical.length <= STORED_CANONICAL_MAX) return { canonical: decodeUtf8(canonical), identity };
  return { canonical_length: canonical.length, canonical_sha256: toHex(sha256(canonical)), identity };
}

/** identityOutcome: `declaration` — strict parse, schema, canonical, identity; `value` — the same without the schema. */
export function identityOutcome(kind: 'declaration' | 'value', input: Input): Accepted | Refusal {
  const bytes = inputBytes(input);
  return catching(() => {
    const r = kind === 'declaration' ? declarationIdentity(bytes) : identityOfValue(parseStrictJson(bytes));
    return accepted(r.canonical, r.identity);
  });
}

/** identityTextOutcome parses an identity's text form (§6). */
export function identityTextOutcome(text: string): { digest: string } | Refusal {
  return catching(() => ({ digest: toHex(parseIdentity(text)) }));
}

/** A mapper vector's options, in JSON form. */
export interface MapperOptions {
  api: RequestApi;
  provider: string;
  salt: 'none' | string;
  headers?: Record<string, string>;
  extras?: MapRequestOptions['extras'];
}

/** mapperOutcome maps a request body (§4) and gives the declaration's canonical bytes and identity. */
export function mapperOutcome(opts: MapperOptions, body: Input): Accepted | Refusal {
  return catching(() => {
    const declaration = mapRequest(opts.api, inputBytes(body), {
      provider: opts.provider,
      salt: opts.salt,
      ...(opts.headers === undefined ? {} : { headers: opts.headers }),
      ...(opts.extras === undefined ? {} : { extras: opts.extras }),
    });
    const r = identityOfValue(declaration as unknown as JsonValue);
    return accepted(r.canonical, r.identity);
  });
}

/** entryOutcome decodes an entry (§7) and gives its fields and leaf hash. */
export function entryOutcome(hex: string): { timestamp: number; identity: string; leaf_hash: string } | Refusal {
  return catching(() => {
    const bytes = fromHex(hex);
    const e = decodeEntry(bytes);
    return { timestamp: e.timestamp, identity: 'sha256:' + toHex(e.identity), leaf_hash: toHex(leafHash(bytes)) };
  });
}

/** inclusionOutcome checks an inclusion proof (§9.3); `ok` or PROOF_FAILED. */
export function inclusionOutcome(v: { index: number; size: number; leaf_hash: string; path: string[]; root: string }): { ok: true } | Refusal {
  return catching(() => {
    verifyInclusion(fromHex(v.leaf_hash), v.index, v.size, v.path.map((h) => fromHex(h)), fromHex(v.root));
    return { ok: true as const };
  });
}

/** rootOf returns the root an inclusion proof gives (for building vectors). */
export function rootOf(leaf: Uint8Array, index: number, size: number, path: Uint8Array[]): string {
  return toHex(rootFromInclusionProof(leaf, index, size, path));
}

/** consistencyOutcome checks a consistency proof (§9.3); `ok` or PROOF_FAILED. */
export function consistencyOutcome(v: { old_size: number; new_size: number; old_root: string; new_root: string; path: string[] }): { ok: true } | Refusal {
  return catching(() => {
    verifyConsistency(v.old_size, v.new_size, fromHex(v.old_root), fromHex(v.new_root), v.path.map((h) => fromHex(h)));
    return { ok: true as const };
  });
}

/** vkeyOutcome parses a verifier key (§10.1). */
export function vkeyOutcome(vkey: string): { name: string; key_id: string; type: number; public_key: string } | Refusal {
  return catching(() => {
    const v = parseVerifierKey(vkey);
    return { name: v.name, key_id: v.keyId.toString(16).padStart(8, '0'), type: v.type, public_key: toBase64(v.publicKey) };
  });
}

/** noteOutcome opens a signed note against verifier keys (§10.3). */
export function noteOutcome(note: Input, vkeys: string[]): { text: string; verified: string[] } | Refusal {
  return catching(() => {
    const opened = openNote(inputBytes(note), vkeys.map(parseVerifierKey));
    return { text: opened.text, verified: opened.verified.map((s) => `${s.name}+${s.keyId.toString(16).padStart(8, '0')}`) };
  });
}

/** checkpointOutcome parses checkpoint note text (§10.4). */
export function checkpointOutcome(text: string): { origin: string; size: number; root: string; extensions: string[] } | Refusal {
  return catching(() => {
    const cp = parseCheckpoint(text);
    return { origin: cp.origin, size: cp.size, root: toBase64(cp.root), extensions: cp.extensions };
  });
}

/** cosignedOutcome opens a checkpoint with a log key and witness keys (§10.4, §10.5) and lists the counted cosignatures. */
export function cosignedOutcome(note: string, logVkey: string, witnessVkeys: string[]): { cosignatures: { name: string; timestamp: number }[] } | Refusal {
  return catching(() => {
    const opened = openCheckpoint(note, parseVerifierKey(logVkey), witnessVkeys.map(parseVerifierKey));
    return { cosignatures: opened.cosignatures.map((c) => ({ name: c.name, timestamp: c.timestamp })) };
  });
}

/** policyOutcome parses a policy (§10.6) and summarises it. */
export function policyOutcome(text: Input): { logs: string[]; witnesses: string[]; groups: { name: string; threshold: number; members: string[] }[]; quorum: string } | Refusal {
  return catching(() => {
    const p = parsePolicy(inputBytes(text));
    return {
      logs: p.logs.map((l) => verifierKey(l.verifier)),
      witnesses: p.witnesses.map((w) => w.name),
      groups: p.groups.map((g) => ({ name: g.name, threshold: g.threshold, members: g.members })),
      quorum: p.quorum,
    };
  });
}

/** A receipt vector's trust root, as stored. */
export type TrustInput = { vkey: string } | { policy: string };

/** What a valid receipt proves (§12). */
export interface Verdict {
  ok: true;
  identity: string;
  index: number;
  timestamp: number;
  origin: string;
  tree_size: number;
  root: string;
  witnesses: { name: string; timestamp: number }[];
}

/** receiptOutcome runs §12 on a receipt. */
export function receiptOutcome(v: { trust: TrustInput; receipt: Input; declaration?: Input; identity?: string }): Verdict | Refusal {
  return catching(() => {
    const trust: ReceiptTrust = 'vkey' in v.trust ? { vkey: v.trust.vkey } : { policy: parsePolicy(v.trust.policy) };
    const r = verifyReceipt({
      trust,
      receipt: inputBytes(v.receipt),
      ...(v.declaration === undefined ? {} : { declaration: inputBytes(v.declaration) }),
      ...(v.identity === undefined ? {} : { identity: v.identity }),
    });
    return { ok: true as const, identity: r.identity, index: r.index, timestamp: r.timestamp, origin: r.origin, tree_size: r.treeSize, root: r.root, witnesses: r.witnesses };
  });
}

/** canonicalOf is RFC 8785 of a value, as text. */
export function canonicalOf(value: JsonValue): string {
  return decodeUtf8(canonicalBytes(value));
}
