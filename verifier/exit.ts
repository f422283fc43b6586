/**
 * Exit codes and error reporting shared by every `runproof` command (design §9):
 * 0 verified/ok, 1 verification failed (reason on the last line), 2 bad usage or input,
 * 3 could not reach or read a log.
 */
import { RunproofError, type ErrorCode } from '../src/errors.js';

/** Process exit codes of the `runproof` CLI. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, UNREACHABLE: 3 } as const;

/** UsageError is thrown for bad command-line usage; it exits 2 and prints the command's help hint. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Error codes that mean "the thing checked is false", as opposed to "the input was malformed". */
const VERDICT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'UNKNOWN_KEY',
  'INVALID_SIGNATURE',
  'NO_VERIFIED_SIGNATURE',
  'QUORUM_NOT_MET',
  'ORIGIN_MISMATCH',
  'ENTRY_MISMATCH',
  'PROOF_FAILED',
  'INCONSISTENT_LOG',
  'AUDIT_FAILED',
]);

/** exitCodeFor maps any thrown value to the CLI exit code for it. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError) return EXIT.USAGE;
  if (e instanceof RunproofError) {
    if (VERDICT_CODES.has(e.code)) return EXIT.FAILED;
    if (e.code === 'UNREACHABLE' || e.code === 'UNAVAILABLE') return EXIT.UNREACHABLE;
    return EXIT.USAGE;
  }
  return EXIT.FAILED;
}
