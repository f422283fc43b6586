/**
 * Exit codes and error reporting shared by every `runproof` command (docs/verifier.md):
 * 0 verified/ok, 1 verification failed (reason on the last line), including a log answer that
 * fails a check, 2 bad usage or the user's own input, 3 log unreachable or no usable answer.
 */
import { RunproofError, VERDICT_CODES, type ErrorCode } from '../src/errors.js';
import { UsageError } from '../node-shared/usage-error.js';

export { UsageError };

/** Process exit codes of the `runproof` CLI. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, UNREACHABLE: 3 } as const;

const VERDICTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(VERDICT_CODES);

/**
 * exitCodeFor maps any thrown value to the CLI exit code for it. The one rule: 2 is only for the
 * user's own input (flags, files, declarations the log rejects). What a log sends (`source:
 * 'log'`) never gives 2: no usable answer (unreachable, 429/5xx, 404) is 3; an answer that arrived
 * but fails a check — too large, a compression bomb, malformed, a short tile, not JSON — is 1,
 * verification failed (unproven, which is not evidence that the log lied).
 */
export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError) return EXIT.USAGE;
  if (e instanceof RunproofError) {
    if (e.code === 'UNREACHABLE' || e.code === 'UNAVAILABLE') return EXIT.UNREACHABLE;
    if (e.source === 'log') return e.code === 'NOT_FOUND' ? EXIT.UNREACHABLE : EXIT.FAILED;
    if (VERDICTS.has(e.code)) return EXIT.FAILED;
    return EXIT.USAGE;
  }
  return EXIT.FAILED;
}
