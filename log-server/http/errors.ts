/**
 * The one place where errors become HTTP responses (docs/log-server.md, "Errors").
 *
 * Every route throws; nothing else builds an error response. A {@link RunproofError} maps to a
 * status by its code through {@link STATUS_BY_CODE}; anything else is a bug and answers
 * 500 `INTERNAL` without details. The body is always
 * `{"error":{"code":"…","message":"…","path":"…"?}}`.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { RunproofError, type ErrorCode } from '../../src/errors.js';

/** HTTP status for each error code the log can answer with; codes not listed answer 400. */
export const STATUS_BY_CODE: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  // the request body is not acceptable JSON (docs/specification.md §2, RFC 8259)
  JSON_SYNTAX: 400,
  JSON_INVALID_UTF8: 400,
  JSON_BOM: 400,
  JSON_DUPLICATE_KEY: 400,
  JSON_LONE_SURROGATE: 400,
  JSON_UNSAFE_INTEGER: 400,
  JSON_NUMBER_OVERFLOW: 400,
  JSON_NUMBER_UNDERFLOW: 400,
  JSON_TOO_DEEP: 400,
  JSON_NOT_PLAIN: 400,
  JSON_TOO_LARGE: 413,
  // well-formed JSON that is not what the endpoint takes
  DECLARATION_INVALID: 422,
  IDENTITY_MALFORMED: 400,
  MALFORMED_REQUEST: 400,
  MALFORMED_ENCODING: 400,
  MALFORMED_TILE_PATH: 400,
  // service answers
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  // witnesses did not cosign in time; `?wait=cosigned` answers 200 with `quorum.met: false`
  // instead, so this only shows if a future route lets it through
  QUORUM_NOT_MET: 504,
};

/** The JSON shape of one error, as sent in error bodies and in batch results. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  path?: string;
}

/** statusFor is the HTTP status for a thrown value. */
export function statusFor(e: unknown): ContentfulStatusCode {
  if (e instanceof RunproofError) return STATUS_BY_CODE[e.code] ?? 400;
  return 500;
}

/** errorBody describes a thrown value for a client; internal errors are not described. */
export function errorBody(e: unknown): ErrorBody {
  if (!(e instanceof RunproofError)) return { code: 'INTERNAL', message: 'internal error' };
  const message = e.path !== undefined && e.message.endsWith(` (at ${e.path})`) ? e.message.slice(0, -` (at ${e.path})`.length) : e.message;
  return e.path !== undefined ? { code: e.code, message, path: e.path } : { code: e.code, message };
}

/** Seconds a client should wait before retrying, carried on RATE_LIMITED and UNAVAILABLE errors. */
export function retryAfterSeconds(e: unknown): number | undefined {
  if (!(e instanceof RunproofError)) return undefined;
  const v = e.evidence?.['retryAfterSeconds'];
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
  return e.code === 'UNAVAILABLE' || e.code === 'RATE_LIMITED' ? 1 : undefined;
}

/** Options of {@link errorHandler}. */
export interface ErrorHandlerOptions {
  /** Called for each error answered (metrics: rejections by code). */
  onReject?: (code: string, status: number) => void;
  /** Called with unexpected (non-RunproofError) errors, which are bugs. */
  onInternal?: (e: unknown) => void;
}

/** An error answer as status, headers and JSON text, for a handler that writes its own response. */
export interface ErrorAnswer {
  status: ContentfulStatusCode;
  headers: Record<string, string>;
  body: string;
}

/**
 * errorAnswer is the answer to a thrown value — the one mapping, used by {@link errorHandler}
 * and by the node:http submit fast path (./fast-submit.ts) — and reports it through `opts`.
 */
export function errorAnswer(e: unknown, opts: ErrorHandlerOptions = {}): ErrorAnswer {
  const status = statusFor(e);
  const body = errorBody(e);
  if (status === 500) opts.onInternal?.(e);
  opts.onReject?.(body.code, status);
  const headers: Record<string, string> = {};
  const retry = retryAfterSeconds(e);
  if (retry !== undefined) headers['Retry-After'] = String(retry);
  headers['Cache-Control'] = 'no-store';
  return { status, headers, body: JSON.stringify({ error: body }) };
}

/** errorHandler builds the `app.onError` handler that turns any thrown value into a JSON error. */
export function errorHandler(opts: ErrorHandlerOptions = {}) {
  return function onError(e: unknown, c: Context): Response {
    const a = errorAnswer(e, opts);
    for (const [k, v] of Object.entries(a.headers)) c.header(k, v);
    return c.body(a.body, a.status, { 'Content-Type': 'application/json' });
  };
}
