/**
 * Exit codes and error reporting shared by every `runproof` command (docs/verifier.md):
 * 0 verified/ok, 1 verification failed (reason on the last line), 2 bad usage or input,
 * 3 could not reach or read a log.
 */
import { RunproofError, VERDICT_CODES, type ErrorCode } from '../src/errors.js';
import { UsageError } from '../node-shared/usage-error.js';

export { UsageError };

/** Process exit codes of the `runproof` CLI. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, UNREACHABLE: 3 } as const;

const VERDICTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(VERDICT_CODES);

/** exitCodeFor maps any thrown value to the CLI exit code for it. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError) return EXIT.USAGE;
  if (e instanceof RunproofError) {
    if (VERDICTS.has(e.code)) return EXIT.FAILED;
    if (e.code === 'UNREACHABLE' || e.code === 'UNAVAILABLE') return EXIT.UNREACHABLE;
    return EXIT.USAGE;
  }
  return EXIT.FAILED;
}
