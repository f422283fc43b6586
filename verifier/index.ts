/**
 * `runproof` — the verification library: what a third party needs to check runproof receipts
 * and logs without trusting the operator.
 *
 * - {@link verifyReceipt} / {@link ReceiptVerifier}: offline receipt checks (declaration or
 *   identity + receipt + log key or tlog-policy), the verifier caching checkpoint signatures;
 * - {@link LogClient}: read any c2sp.org/tlog-tiles log (checkpoint, tiles, bundles);
 * - {@link proveConsistencyFromLog} / {@link checkConsistency}: hold a log to its old checkpoints;
 * - {@link audit}: download a whole log and re-derive every entry, tile and the root;
 * - trust policies (c2sp.org/tlog-policy): {@link parsePolicy}, {@link checkQuorum}.
 *
 * Nothing here imports Node built-ins: it runs in Node 20 and in browsers (global `fetch`,
 * `DecompressionStream`). Resumable audit state in a directory is in the CLI only.
 * See docs/verifier.md.
 */
export {
  verifyReceipt,
  verifyCheckpoint,
  ReceiptVerifier,
  type ReceiptInput,
  type ReceiptTrust,
  type ReceiptVerdict,
  type WitnessVerdict,
  type TrustedCheckpoint,
} from '../src/receipt/verify.js';
export { LogClient, type LogClientOptions } from './log-client.js';
export { proveConsistencyFromLog, checkConsistency, formatProof } from './consistency.js';
export { audit, type AuditOptions, type AuditReport } from './audit/audit.js';
export type { AuditProgress, AuditStateStore } from './audit/state.js';
export { parsePolicy, checkQuorum, policyLogVerifier, policyCosigners, type TrustPolicy } from '../src/note/policy.js';
export { openCheckpoint, parseCheckpoint, type Checkpoint, type OpenedCheckpoint } from '../src/note/checkpoint.js';
export { parseVerifierKey, type Verifier } from '../src/note/keys.js';
export { parseTlogProof, type TlogProof } from '../src/note/tlog-proof.js';
export { declarationIdentity, parseIdentity, formatIdentity } from '../src/declaration/identity.js';
export { RunproofError, isRunproofError, ERROR_CODES, type ErrorCode } from '../src/errors.js';
