/**
 * `declare` — declare one run to a runproof log and return a receipt that has already been
 * verified here, offline, against the declaration and the caller's trust root.
 *
 * By default only the identity is sent (`POST /v1/identities`): it is computed here, and the
 * declaration — the prompt — stays with the caller, who keeps it next to the receipt (the receipt
 * proves when the identity was logged; only the declaration says what the identity is of).
 * `submit: 'declaration'` sends the canonical declaration instead, so the log checks it too.
 *
 * The log is not trusted: its answer only counts once the receipt (a c2sp.org/tlog-proof) proves
 * that the entry for this declaration's identity is in a checkpoint signed by the log key (and
 * the policy's witness quorum). A receipt that does not verify is evidence of a misbehaving log,
 * and the error carries it.
 */
import { RunproofError, isRunproofError } from '../src/errors.js';
import { canonicalBytes } from '../src/json/canonical.js';
import type { JsonValue } from '../src/json/strict.js';
import { declarationIdentity, formatIdentity } from '../src/declaration/identity.js';
import { sha256 } from '../src/merkle/hash.js';
import { ReceiptVerifier, type ReceiptVerdict } from '../src/receipt/verify.js';
import { submitBatch, submitDeclaration, submitIdentity, type SubmitAnswer, type SubmitOptions } from './submit.js';
import { resolveTrust, type TrustOptions } from './trust.js';

/** Options of {@link declare}. */
export interface DeclareOptions extends TrustOptions {
  /** The log's URL prefix, e.g. `https://log.example.com`. */
  log: string;
  /** A bearer token, if the log requires one for submissions. */
  token?: string;
  /** How long to wait for the log, in milliseconds (default 10 000). */
  timeoutMs?: number;
  /** The fetch implementation used to reach the log (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** What the log receives: `'identity'` (default) or the whole `'declaration'`. */
  submit?: SubmitMode;
}

/** What is sent to the log: the identity alone (default), or the canonical declaration. */
export type SubmitMode = 'identity' | 'declaration';

/** How {@link declareCanonical} reaches the log. */
export interface DeclareCanonicalOptions extends SubmitOptions {
  submit?: SubmitMode;
}

/** checkSubmitMode refuses anything but the two submit modes (a typo must not leak prompts). */
export function checkSubmitMode(submit: unknown): SubmitMode {
  if (submit === undefined) return 'identity';
  if (submit !== 'identity' && submit !== 'declaration') {
    throw new RunproofError('MALFORMED_REQUEST', `submit must be 'identity' or 'declaration'`, { path: 'submit' });
  }
  return submit;
}

/** A declared run: its identity and a receipt verified against it. */
export interface Declared {
  /** `sha256:<64 hex>`, derived here from the declaration (and confirmed by the receipt). */
  identity: string;
  /** The c2sp.org/tlog-proof receipt text; save it as `<name>.tlog-proof`. */
  receipt: string;
  /** The entry's index in the log. */
  index: number;
  /** When the log sequenced the entry, in milliseconds since the Unix epoch. */
  timestamp: number;
  /** True if the identity was already in the log (the existing entry is returned). */
  duplicate: boolean;
  /** The RFC 8785 canonical bytes of the declaration — what the identity is the hash of. */
  declaration: Uint8Array;
}

/**
 * declare submits a declaration (a plain object, or its JSON text or bytes) to the log and
 * verifies the receipt it gets back before returning.
 *
 * @throws RunproofError JSON_* / DECLARATION_INVALID for a bad declaration (nothing is sent);
 *   UNREACHABLE / UNAVAILABLE when the log cannot be reached or is overloaded; the log's code for
 *   a refused submission; ENTRY_MISMATCH, PROOF_FAILED, INVALID_SIGNATURE, QUORUM_NOT_MET, … when
 *   the receipt does not prove what the log claims (with the receipt as evidence)
 * @example
 * const { identity, receipt } = await declare(declaration, { log: 'https://log.example.com', vkey });
 */
export async function declare(declaration: object | Uint8Array | string, opts: DeclareOptions): Promise<Declared> {
  const verifier = new ReceiptVerifier(resolveTrust(opts));
  checkSubmitMode(opts.submit);
  return declareCanonical(canonicalDeclaration(declaration), verifier, opts);
}

/**
 * canonicalDeclaration checks a declaration (strict parse, run-declaration/v1 schema) and returns
 * its canonical bytes. A plain object is first written in canonical form, which rejects anything
 * that is not plain JSON (undefined, functions, class instances, non-finite numbers).
 * @throws RunproofError JSON_*, DECLARATION_INVALID
 */
function canonicalDeclaration(declaration: object | Uint8Array | string): Uint8Array {
  const input = typeof declaration === 'string' || declaration instanceof Uint8Array ? declaration : canonicalBytes(declaration as JsonValue);
  return declarationIdentity(input).canonical;
}

/**
 * identityOfCanonical is the identity of canonical bytes this library produced from a validated
 * declaration: their SHA-256 alone (parsing megabytes again would only re-derive the same bytes).
 */
function identityOfCanonical(canonical: Uint8Array): string {
  return formatIdentity(sha256(canonical));
}

/**
 * declareCanonical submits canonical declaration bytes — produced here from a validated
 * declaration — or only their identity, and verifies the receipt against that identity with
 * `verifier` (which caches checkpoints it has already verified). Shared by {@link declare} and
 * `runproofFetch`.
 */
export async function declareCanonical(canonical: Uint8Array, verifier: ReceiptVerifier, opts: DeclareCanonicalOptions): Promise<Declared> {
  const identity = identityOfCanonical(canonical);
  const answer = opts.submit === 'declaration' ? await submitDeclaration(canonical, opts) : await submitIdentity(identity, opts);
  return checkedAnswer(canonical, identity, answer, verifier, opts.log);
}

/** The most items one `POST /v1/batch` carries (the log's default `--max-batch-items`). */
export const BATCH_CHUNK = 1000;

/**
 * declareManyCanonical declares many canonical declarations through `/v1/batch` (one request per
 * {@link BATCH_CHUNK} items) and verifies every receipt. All or nothing for the caller: the first
 * item the log refuses, or whose receipt does not verify, throws (entries already logged stay
 * logged — harmless, a declaration is not a run).
 */
export async function declareManyCanonical(canonicals: readonly Uint8Array[], verifier: ReceiptVerifier, opts: DeclareCanonicalOptions): Promise<Declared[]> {
  const identities = canonicals.map(identityOfCanonical);
  const out: Declared[] = [];
  for (let start = 0; start < canonicals.length; start += BATCH_CHUNK) {
    const slice = canonicals.slice(start, start + BATCH_CHUNK);
    const items = slice.map((c, k) => (opts.submit === 'declaration' ? { declaration: c } : { identity: identities[start + k]! }));
    const answers = await submitBatch(items, opts);
    answers.forEach((answer, k) => {
      if ('error' in answer) throw answer.error;
      out.push(checkedAnswer(slice[k]!, identities[start + k]!, answer, verifier, opts.log));
    });
  }
  return out;
}

/** checkedAnswer verifies the log's answer for one declaration and returns what it proves. */
function checkedAnswer(canonical: Uint8Array, identity: string, answer: SubmitAnswer, verifier: ReceiptVerifier, log: string): Declared {
  const opts = { log };
  const evidence = { log: opts.log, identity, answer };
  if (answer.identity !== identity) {
    throw new RunproofError('ENTRY_MISMATCH', `log answered for ${answer.identity}, but the declaration's identity is ${identity}`, { evidence });
  }
  let verdict: ReceiptVerdict;
  try {
    verdict = verifier.verify({ receipt: answer.receipt, identity });
  } catch (e) {
    if (!isRunproofError(e)) throw e;
    throw new RunproofError(e.code, `the receipt from ${opts.log} does not verify: ${e.message}`, { evidence: { ...evidence, ...e.evidence }, cause: e });
  }
  if (verdict.index !== answer.index || verdict.timestamp !== answer.timestamp) {
    throw new RunproofError('ENTRY_MISMATCH', `log answered index ${answer.index} at ${answer.timestamp}, but its receipt proves index ${verdict.index} at ${verdict.timestamp}`, { evidence });
  }
  return { identity, receipt: answer.receipt, index: verdict.index, timestamp: verdict.timestamp, duplicate: answer.duplicate, declaration: canonical };
}
