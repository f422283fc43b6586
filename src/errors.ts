/**
 * Typed errors for runproof.
 *
 * Two kinds of failure (the sumdb/tlog split between panic and error):
 * - a broken internal invariant throws a plain `Error` — nothing catches it, it is a bug;
 * - bad input (from a file, the network, a log or a witness) throws a {@link RunproofError}
 *   with a stable `code`. The log server maps codes to HTTP statuses in one place; the CLI maps
 *   them to exit codes in one place. Tests assert codes, never messages.
 */

/**
 * The codes that mean "the thing checked is false" (a signature, a proof, a quorum, the log's
 * history), as opposed to "the input was malformed"; the CLI exits 1 for these, 2 for the rest.
 */
export const VERDICT_CODES = [
  'UNKNOWN_KEY',
  'INVALID_SIGNATURE',
  'NO_VERIFIED_SIGNATURE',
  'QUORUM_NOT_MET',
  'ORIGIN_MISMATCH',
  'ENTRY_MISMATCH',
  'PROOF_FAILED',
  'INCONSISTENT_LOG',
  'AUDIT_FAILED',
  // a size the log signed that this implementation cannot follow (beyond 2^52 entries)
  'UNSUPPORTED_SIZE',
] as const;

/** Every stable error code. Adding one is fine; renaming one is a breaking change. */
export const ERROR_CODES = [
  // strict JSON (docs/specification.md §2: rules A1–A4, depth and size limits)
  'JSON_SYNTAX',
  'JSON_INVALID_UTF8',
  'JSON_BOM',
  'JSON_DUPLICATE_KEY',
  'JSON_LONE_SURROGATE',
  'JSON_UNSAFE_INTEGER',
  'JSON_NUMBER_OVERFLOW',
  'JSON_NUMBER_UNDERFLOW',
  'JSON_TOO_DEEP',
  'JSON_TOO_LARGE',
  'JSON_NOT_PLAIN',
  // declarations, identities and request mapping
  'DECLARATION_INVALID',
  'IDENTITY_MALFORMED',
  'MAPPING_REJECTED',
  'MAPPING_INVALID',
  // encodings and text formats
  'MALFORMED_ENCODING',
  'MALFORMED_KEY',
  'MALFORMED_NOTE',
  'MALFORMED_CHECKPOINT',
  'MALFORMED_COSIGNATURE',
  'MALFORMED_ENTRY',
  'MALFORMED_PROOF',
  'MALFORMED_POLICY',
  'MALFORMED_TILE_PATH',
  'MALFORMED_REQUEST',
  // verification verdicts
  ...VERDICT_CODES,
  // service answers
  'NOT_FOUND',
  'CONFLICT',
  'TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'UNREACHABLE',
  // a bug on the answering side (an HTTP 500 body), never bad input
  'INTERNAL',
] as const;

/** A stable error code; see {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Options for a {@link RunproofError}. */
export interface RunproofErrorOptions {
  /** Where in the input the fault is: a JSON path (`$.model.name`), a line number, a field. */
  path?: string;
  /** Evidence a third party can re-check (signed checkpoints, proofs, tile URLs). */
  evidence?: Record<string, unknown>;
  /** The underlying error, if any. */
  cause?: unknown;
  /**
   * `'log'` when the fault is in what a log answered (not in the user's own input): the CLI
   * exits 1 or 3 for it, never 2 (verifier/exit.ts).
   */
  source?: 'log';
}

/**
 * RunproofError is thrown for bad input or a failed verification; `code` is stable.
 *
 * @example
 * throw new RunproofError('JSON_DUPLICATE_KEY', 'duplicate member name "a"', { path: '$.x' });
 */
export class RunproofError extends Error {
  readonly code: ErrorCode;
  readonly path: string | undefined;
  readonly evidence: Record<string, unknown> | undefined;
  readonly source: 'log' | undefined;

  constructor(code: ErrorCode, message: string, options: RunproofErrorOptions = {}) {
    super(options.path !== undefined ? `${message} (at ${options.path})` : message, { cause: options.cause });
    this.name = 'RunproofError';
    this.code = code;
    this.path = options.path;
    this.evidence = options.evidence;
    this.source = options.source;
  }
}

/**
 * fromLog marks a fault as lying in a log's answer: a {@link RunproofError} is returned as one
 * with `source: 'log'` (same code, message and evidence); anything else is returned unchanged.
 */
export function fromLog(e: unknown): unknown {
  if (!(e instanceof RunproofError) || e.source === 'log') return e;
  return new RunproofError(e.code, e.message, { evidence: e.evidence, cause: e, source: 'log' });
}

/** readFromLog runs `read` (which reads or parses a log's answer), marking its faults {@link fromLog}. */
export async function readFromLog<T>(read: () => T | Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    throw fromLog(e);
  }
}

/** isRunproofError tells whether `e` is a {@link RunproofError}, optionally with the given code. */
export function isRunproofError(e: unknown, code?: ErrorCode): e is RunproofError {
  return e instanceof RunproofError && (code === undefined || e.code === code);
}
