/**
 * Submissions to a runproof log (docs/log-server.md): `POST <log>/v1/identities` with the
 * identity alone (the client's default: the log never sees the declaration), `POST
 * <log>/v1/declarations` with the declaration's canonical bytes, or `POST <log>/v1/batch` with
 * many of either — each answered with `{identity, index, timestamp, duplicate, receipt}` once the
 * entry is durably sequenced and covered by a signed checkpoint.
 *
 * The answer is untrusted: it is read with a size limit, parsed strictly and checked for shape
 * here; the receipt itself is verified by the caller ({@link declareCanonical}). Failures map to
 * codes a caller can act on: `UNREACHABLE` (no connection, or no answer within the timeout) and
 * `UNAVAILABLE` (HTTP 429 or 5xx) mean "the log cannot take this now"; any other 4xx carries
 * the log's own code when it is a known one (e.g. `DECLARATION_INVALID`, `UNAUTHORIZED`).
 */
import { ERROR_CODES, readFromLog, RunproofError, type ErrorCode } from '../src/errors.js';
import { concatBytes, utf8 } from '../src/encoding/utf8.js';
import { parseStrictJson, type JsonValue } from '../src/json/strict.js';
import { readLimited } from '../node-shared/read-limited.js';

/** The log's answer to a submission, shape-checked but not yet verified. */
export interface SubmitAnswer {
  identity: string;
  index: number;
  timestamp: number;
  duplicate: boolean;
  receipt: string;
}

/** How to reach the log. */
export interface SubmitOptions {
  /** The log's URL prefix, e.g. `https://log.example.com`. */
  log: string;
  /** A bearer token, if the log requires one for submissions. */
  token?: string;
  /** How long to wait for the log's answer, in milliseconds (default 10 000). */
  timeoutMs?: number;
  /** The fetch implementation (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** An outer signal (e.g. the SDK's) that also aborts the submission. */
  signal?: AbortSignal | null;
}

/** The default time to wait for a log's answer. */
const DEFAULT_TIMEOUT_MS = 10_000;
/** The largest answer accepted: a receipt is a few KiB; a tlog-proof note is at most 1 MB. */
const MAX_ANSWER_BYTES = 1_048_576;
/** The largest batch answer accepted: a thousand receipts of a few KiB each, with room. */
const MAX_BATCH_ANSWER_BYTES = 64 * 1_048_576;

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/**
 * logEndpoint checks a log URL (http or https) and returns the submission endpoint under it:
 * `<log>/v1/declarations`, or `<log>/v1/identities` for an identity alone.
 * @throws RunproofError MALFORMED_REQUEST
 */
export function logEndpoint(log: string, route: 'declarations' | 'identities' | 'batch' = 'declarations'): string {
  let url: URL;
  try {
    url = new URL(log);
  } catch (cause) {
    throw new RunproofError('MALFORMED_REQUEST', `log URL ${JSON.stringify(log)} is not a URL`, { path: 'log', cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RunproofError('MALFORMED_REQUEST', `log URL ${JSON.stringify(log)} must be http or https`, { path: 'log' });
  }
  if (url.search !== '' || url.hash !== '') {
    throw new RunproofError('MALFORMED_REQUEST', `log URL ${JSON.stringify(log)} must not have a query or fragment`, { path: 'log' });
  }
  return `${url.href.replace(/\/+$/, '')}/v1/${route}`;
}

/**
 * submitDeclaration posts canonical declaration bytes to the log and returns its checked answer.
 * @throws RunproofError UNREACHABLE, UNAVAILABLE, the log's 4xx code, or MALFORMED_REQUEST for
 *   an answer that is not the promised shape; an abort of `signal` is rethrown as is
 */
export function submitDeclaration(canonical: Uint8Array, opts: SubmitOptions): Promise<SubmitAnswer> {
  return post(logEndpoint(opts.log), canonical, opts);
}

/**
 * submitIdentity posts `{"identity": …}` to `<log>/v1/identities` (the log then cannot check the
 * declaration) and returns its checked answer, with the outcomes of {@link submitDeclaration}.
 */
export function submitIdentity(identity: string, opts: SubmitOptions): Promise<SubmitAnswer> {
  return post(logEndpoint(opts.log, 'identities'), utf8(JSON.stringify({ identity })), opts);
}

/** One item of a batch submission: an identity alone, or canonical declaration bytes. */
export type BatchItem = { identity: string } | { declaration: Uint8Array };

/** The log's answer for one batch item: a submission answer, or the log's refusal of that item. */
export type BatchAnswer = SubmitAnswer | { error: RunproofError };

/**
 * submitBatch posts items to `<log>/v1/batch` in one request and returns one checked answer per
 * item, in order.
 * @throws RunproofError with the outcomes of {@link submitDeclaration} for the request as a whole
 */
export async function submitBatch(items: readonly BatchItem[], opts: SubmitOptions): Promise<BatchAnswer[]> {
  const url = logEndpoint(opts.log, 'batch');
  const parts: Uint8Array[] = [utf8('{"items":[')];
  items.forEach((item, i) => {
    if (i > 0) parts.push(utf8(','));
    if ('identity' in item) parts.push(utf8(JSON.stringify({ identity: item.identity })));
    else parts.push(utf8('{"declaration":'), item.declaration, utf8('}'));
  });
  parts.push(utf8(']}'));
  const body = await exchange(url, concatBytes(...parts), opts, MAX_BATCH_ANSWER_BYTES);
  const bad = (why: string) => new RunproofError('MALFORMED_REQUEST', `POST ${url}: the log's answer ${why}`, { evidence: { url }, source: 'log' });
  let v: JsonValue;
  try {
    v = parseStrictJson(body, { maxBytes: MAX_BATCH_ANSWER_BYTES, maxDepth: 8 });
  } catch (cause) {
    throw new RunproofError('MALFORMED_REQUEST', `POST ${url}: the log's answer is not strict JSON`, { cause, evidence: { url }, source: 'log' });
  }
  const results = v !== null && typeof v === 'object' && !Array.isArray(v) ? v.results : undefined;
  if (!Array.isArray(results) || results.length !== items.length) throw bad(`does not hold ${items.length} results`);
  return results.map((r, i) => {
    if (r !== null && typeof r === 'object' && !Array.isArray(r) && Object.hasOwn(r, 'error')) {
      const e = r.error as { code?: JsonValue; message?: JsonValue; path?: JsonValue } | null;
      const code = typeof e?.code === 'string' && KNOWN_CODES.has(e.code) && e.code !== 'UNAVAILABLE' && e.code !== 'UNREACHABLE' ? (e.code as ErrorCode) : 'MALFORMED_REQUEST';
      const message = typeof e?.message === 'string' ? e.message : 'refused';
      return { error: new RunproofError(code, `POST ${url}: item ${i}: ${message}`, { evidence: { url, item: i } }) };
    }
    return checkAnswer(url, r, `result ${i}`);
  });
}

/** post sends one submission body to `url` and checks the answer. */
async function post(url: string, payload: Uint8Array, opts: SubmitOptions): Promise<SubmitAnswer> {
  return parseAnswer(url, await exchange(url, payload, opts, MAX_ANSWER_BYTES));
}

/** exchange sends one submission body to `url` and returns the body of a 200/201 answer. */
async function exchange(url: string, payload: Uint8Array, opts: SubmitOptions, maxAnswerBytes: number): Promise<Uint8Array> {
  const fetchFn = opts.fetch ?? globalThis.fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;

  let res: Response;
  let body: Uint8Array;
  const send = () => fetchFn.call(undefined, url, { method: 'POST', headers, body: payload as Uint8Array<ArrayBuffer>, signal });
  try {
    try {
      res = await send();
    } catch (first) {
      // A kept-alive connection the log closed while idle fails at once with no answer. A
      // submission is idempotent (the same identity is answered as a duplicate), so try once
      // more on a fresh connection before calling the log unreachable.
      if (signal.aborted || first instanceof RunproofError) throw first;
      res = await send();
    }
    // An answer too large to read is the log's fault, not the submitter's (verifier/exit.ts).
    body = await readFromLog(() => readLimited(res, maxAnswerBytes, `POST ${url}`, url));
  } catch (cause) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? cause;
    if (cause instanceof RunproofError) throw cause;
    if (timeout.aborted) {
      // No `cause` here: the SDKs look for "timed out" in an error and its cause and then
      // throw their own timeout error without a cause, which would hide this code.
      throw new RunproofError('UNREACHABLE', `POST ${url}: no answer within ${timeoutMs} ms`, { evidence: { url, timeoutMs } });
    }
    throw new RunproofError('UNREACHABLE', `POST ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause, evidence: { url } });
  }
  if (res.status !== 200 && res.status !== 201) throw httpError(url, res.status, body);
  return body;
}

/** httpError maps a non-success answer to a RunproofError. */
function httpError(url: string, status: number, body: Uint8Array): RunproofError {
  let code: string | undefined;
  let message: string | undefined;
  try {
    const v = parseStrictJson(body) as { error?: { code?: JsonValue; message?: JsonValue } };
    if (typeof v?.error?.code === 'string') code = v.error.code;
    if (typeof v?.error?.message === 'string') message = v.error.message;
  } catch {
    // Not our JSON error body (a proxy's page, say): the status alone decides.
  }
  const evidence = { url, status, ...(code !== undefined ? { logCode: code } : {}) };
  const what = `POST ${url}: HTTP ${status}${message !== undefined ? `: ${message}` : ''}`;
  if (status === 429 || status >= 500) return new RunproofError('UNAVAILABLE', what, { evidence });
  // The outage codes follow from the transport and the status only, never from the log's body:
  // a 4xx that calls itself UNAVAILABLE must not switch `onUnavailable: 'proceed'` on.
  const usable = code !== undefined && KNOWN_CODES.has(code) && code !== 'UNAVAILABLE' && code !== 'UNREACHABLE';
  const mapped: ErrorCode = usable ? (code as ErrorCode) : statusCode(status);
  return new RunproofError(mapped, what, { evidence });
}

function statusCode(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    default:
      return 'MALFORMED_REQUEST';
  }
}

/** parseAnswer checks the shape of `{identity, index, timestamp, duplicate, receipt}`. */
function parseAnswer(url: string, body: Uint8Array): SubmitAnswer {
  let v: JsonValue;
  try {
    v = parseStrictJson(body);
  } catch (cause) {
    throw new RunproofError('MALFORMED_REQUEST', `POST ${url}: the log's answer is not strict JSON`, { cause, evidence: { url }, source: 'log' });
  }
  return checkAnswer(url, v, 'answer');
}

/** checkAnswer checks the shape of one `{identity, index, timestamp, duplicate, receipt}`. */
function checkAnswer(url: string, v: JsonValue, what: string): SubmitAnswer {
  const bad = (why: string) => new RunproofError('MALFORMED_REQUEST', `POST ${url}: the log's ${what} ${why}`, { evidence: { url }, source: 'log' });
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('is not a JSON object');
  const { identity, index, timestamp, duplicate, receipt } = v;
  if (typeof identity !== 'string') throw bad('has no identity string');
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) throw bad('has no valid index');
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) throw bad('has no valid timestamp');
  if (typeof duplicate !== 'boolean') throw bad('has no duplicate flag');
  if (typeof receipt !== 'string') throw bad('has no receipt text');
  return { identity, index, timestamp, duplicate, receipt };
}
