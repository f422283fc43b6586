/**
 * Offline receipt verification — a runproof receipt is a c2sp.org/tlog-proof whose `extra` is the
 * 41-byte log entry (docs/specification.md §7, §11). Given the receipt, the declaration (or its identity) and a
 * trust root (the log's verifier key, or a c2sp.org/tlog-policy), the check is, in this order:
 *
 *   1. parse the receipt strictly; the extra line is required          MALFORMED_PROOF
 *   2. derive the identity: strict parse → schema → canonical → SHA-256 of the declaration,
 *      or take the given identity                                    JSON_* / DECLARATION_INVALID / IDENTITY_MALFORMED
 *   3. decode the entry in `extra`; its identity must be ours         MALFORMED_ENTRY / ENTRY_MISMATCH
 *   4. leaf hash = SHA-256(0x00 ‖ entry)                              (RFC 6962 §2.1)
 *   5. open the checkpoint with the log key; verify the policy's witness cosignatures and
 *      the quorum                  ORIGIN_MISMATCH / UNKNOWN_KEY / INVALID_SIGNATURE / NO_VERIFIED_SIGNATURE / QUORUM_NOT_MET
 *   6. the inclusion proof must lead from the leaf to the signed root PROOF_FAILED (RFC 9162 §2.1.3.2)
 *
 * docs/specification.md §12 is the normative text of these steps.
 *
 * Each failure is a RunproofError whose code names the step. Nothing from the receipt is trusted
 * before it is checked: the entry is compared, the checkpoint is signature-checked, the path is
 * hashed up to the signed root.
 *
 * Step 5 costs Ed25519 verifications (~1 ms each); a {@link ReceiptVerifier} does it once per
 * distinct signed checkpoint, so many receipts against one checkpoint verify at hashing speed.
 */
import { RunproofError } from '../errors.js';
import { toBase64 } from '../encoding/base64.js';
import { equalBytes } from '../encoding/utf8.js';
import { declarationIdentity, formatIdentity, parseIdentity } from '../declaration/identity.js';
import { leafHash } from '../merkle/hash.js';
import { verifyInclusion } from '../merkle/proof.js';
import { decodeEntry } from '../note/entry.js';
import { parseTlogProof } from '../note/tlog-proof.js';
import { parseNote } from '../note/note.js';
import { openCheckpoint, parseCheckpoint, type OpenedCheckpoint } from '../note/checkpoint.js';
import { parseVerifierKey, SIG_ED25519, type Verifier } from '../note/keys.js';
import { checkQuorum, policyCosigners, policyLogVerifiers, type TrustPolicy } from '../note/policy.js';

/** What a receipt is checked against: the log's verifier key, or a tlog-policy. */
export type ReceiptTrust = { vkey: string } | { policy: TrustPolicy };

/** Input of {@link verifyReceipt}: a receipt and the declaration (text or bytes) or identity it is for. */
export interface ReceiptInput {
  /** The tlog-proof, as text or bytes (bytes must be UTF-8). */
  receipt: string | Uint8Array;
  /** `sha256:<hex>`; if a declaration is also given, it must have this identity. */
  identity?: string;
  /** The declaration, whose identity is derived strictly. */
  declaration?: Uint8Array | string;
}

/** A witness cosignature that counted towards the verdict. */
export interface WitnessVerdict {
  /** The witness's name in the policy. */
  name: string;
  /** The cosignature time, in milliseconds since the Unix epoch (cosignatures carry whole seconds). */
  timestamp: number;
}

/** What a valid receipt proves. */
export interface ReceiptVerdict {
  /** The run identity, `sha256:<hex>`. */
  identity: string;
  /** The entry's index in the log. */
  index: number;
  /** When the log sequenced the entry, ms since the Unix epoch. */
  timestamp: number;
  /** The checkpoint's origin (the log's name). */
  origin: string;
  /** The tree size of the checkpoint the inclusion was proven in. */
  treeSize: number;
  /** That checkpoint's root hash, base64 as in the checkpoint. */
  root: string;
  /** Witnesses of the policy whose cosignatures verified (empty with a bare vkey). */
  witnesses: WitnessVerdict[];
}

/** A verified checkpoint: the result of step 5, which is what the cache keeps. */
export interface TrustedCheckpoint {
  opened: OpenedCheckpoint;
  witnesses: WitnessVerdict[];
}

/** How many distinct signed checkpoints a {@link ReceiptVerifier} remembers. */
const CHECKPOINT_CACHE_SIZE = 256;

/**
 * ReceiptVerifier verifies receipts against one trust root, verifying each distinct signed
 * checkpoint (the exact note text, signatures included) only once. Everything else — parsing,
 * identity, entry, inclusion — is checked for every receipt.
 */
export class ReceiptVerifier {
  private readonly trust: ReceiptTrust;
  private readonly logKey: Verifier | undefined;
  private readonly checkpoints = new Map<string, TrustedCheckpoint>();

  /** @throws RunproofError MALFORMED_KEY if the vkey does not parse or is not an Ed25519 (0x01) key (step 0) */
  constructor(trust: ReceiptTrust) {
    this.trust = trust;
    this.logKey = 'vkey' in trust ? parseVerifierKey(trust.vkey) : undefined;
    if (this.logKey !== undefined && this.logKey.type !== SIG_ED25519) {
      throw new RunproofError('MALFORMED_KEY', `log key ${this.logKey.name} must be an Ed25519 (0x01) key`);
    }
  }

  /** verify runs steps 1–6 on one receipt; see the module comment for the error codes. */
  verify(input: ReceiptInput): ReceiptVerdict {
    // 1. Parse strictly; a runproof receipt MUST carry the entry in its extra line.
    const proof = parseTlogProof(input.receipt);
    if (proof.extra === undefined) {
      throw new RunproofError('MALFORMED_PROOF', 'receipt has no extra line carrying the log entry', { path: 'line 2' });
    }
    // 2. The identity we expect.
    const digest = expectedIdentity(input);
    // 3. The entry the receipt claims, which must be for that identity.
    const entry = decodeEntry(proof.extra);
    if (!equalBytes(entry.identity, digest)) {
      throw new RunproofError('ENTRY_MISMATCH', `receipt is for ${formatIdentity(entry.identity)}, not ${formatIdentity(digest)}`, {
        evidence: { expected: formatIdentity(digest), found: formatIdentity(entry.identity) },
      });
    }
    // 4. Its leaf hash.
    const leaf = leafHash(proof.extra);
    // 5. The checkpoint: log signature, witness cosignatures, quorum.
    const trusted = this.checkpoint(proof.checkpoint);
    const cp = trusted.opened.checkpoint;
    // 6. The inclusion proof up to the signed root.
    verifyInclusion(leaf, proof.index, cp.size, proof.path, cp.root);
    return {
      identity: formatIdentity(digest),
      index: proof.index,
      timestamp: entry.timestamp,
      origin: cp.origin,
      treeSize: cp.size,
      root: toBase64(cp.root),
      witnesses: trusted.witnesses.map((w) => ({ ...w })),
    };
  }

  /**
   * checkpoint verifies a signed checkpoint under this verifier's trust root (step 5), once per
   * distinct note text.
   */
  checkpoint(note: string): TrustedCheckpoint {
    const hit = this.checkpoints.get(note);
    if (hit !== undefined) return hit;
    const trusted = this.logKey !== undefined ? { opened: openCheckpoint(note, this.logKey), witnesses: [] } : openUnderPolicy(note, (this.trust as { policy: TrustPolicy }).policy);
    if (this.checkpoints.size >= CHECKPOINT_CACHE_SIZE) this.checkpoints.delete(this.checkpoints.keys().next().value!);
    this.checkpoints.set(note, trusted);
    return trusted;
  }
}

/** expectedIdentity returns the identity digest from the declaration and/or the given identity. */
function expectedIdentity(input: ReceiptInput): Uint8Array {
  const given = input.identity !== undefined ? parseIdentity(input.identity) : undefined;
  if (input.declaration === undefined) {
    if (given === undefined) throw new RunproofError('MALFORMED_REQUEST', 'a declaration or an identity is needed to verify a receipt');
    return given;
  }
  const derived = declarationIdentity(input.declaration).digest;
  if (given !== undefined && !equalBytes(given, derived)) {
    throw new RunproofError('ENTRY_MISMATCH', `the declaration's identity is ${formatIdentity(derived)}, not ${formatIdentity(given)}`, {
      evidence: { expected: formatIdentity(given), found: formatIdentity(derived) },
    });
  }
  return derived;
}

/**
 * openUnderPolicy opens a checkpoint with the policy's log key(s) for its origin and its
 * witnesses' keys, then checks the quorum (c2sp.org/tlog-policy: "signed by any one of the listed
 * logs, and cosigned by witnesses according to the defined quorum rule").
 */
function openUnderPolicy(note: string, policy: TrustPolicy, quorum = true): TrustedCheckpoint {
  const origin = parseCheckpoint(parseNote(note).text).origin;
  const logKeys = policyLogVerifiers(policy, origin);
  if (logKeys.length === 0) throw new RunproofError('UNKNOWN_KEY', `the policy lists no log with origin ${JSON.stringify(origin)}`);
  const cosigners = policyCosigners(policy);
  let opened: OpenedCheckpoint | undefined;
  let lastError: unknown;
  for (const key of logKeys) {
    try {
      opened = openCheckpoint(note, key, cosigners);
      break;
    } catch (e) {
      lastError = e;
    }
  }
  if (opened === undefined) throw lastError;
  if (quorum) checkQuorum(policy, opened.cosignatures);
  const witnesses: WitnessVerdict[] = [];
  for (const c of opened.cosignatures) {
    const w = policy.witnesses.find((p) => p.verifier.name === c.name && p.verifier.keyId === c.keyId);
    if (w !== undefined) witnesses.push({ name: w.name, timestamp: c.timestamp * 1000 });
  }
  return { opened, witnesses };
}

/**
 * verifyCheckpoint checks a signed checkpoint under a trust root: the log's signature (its key
 * name is the origin) and, under a policy, the witness quorum — step 5 on its own, for callers
 * that fetch a checkpoint from a log (audit, consistency). With `quorum: false` only the log's
 * signature is required (cosignatures by policy witnesses are still verified and reported):
 * enough to hold the log to what it signed, e.g. an old checkpoint in a consistency check.
 * @throws RunproofError as step 5
 */
export function verifyCheckpoint(note: string, trust: ReceiptTrust, opts: { quorum?: boolean } = {}): TrustedCheckpoint {
  if (opts.quorum === false && 'policy' in trust) return openUnderPolicy(note, trust.policy, false);
  return new ReceiptVerifier(trust).checkpoint(note);
}

/**
 * verifyReceipt checks one receipt offline (steps 1–6 above) and returns what it proves.
 * To check many receipts, reuse a {@link ReceiptVerifier}.
 * @throws RunproofError with the code of the step that failed
 */
export function verifyReceipt(input: ReceiptInput & { trust: ReceiptTrust }): ReceiptVerdict {
  return new ReceiptVerifier(input.trust).verify(input);
}
