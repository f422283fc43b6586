/**
 * `runproofFetch` — a `fetch` to hand to the official OpenAI and Anthropic SDKs (both take a
 * `fetch` option) so that every inference call is declared to a runproof log BEFORE the model
 * sees it.
 *
 * For each POST to `…/chat/completions`, `…/responses` or `…/messages` (see route.ts) it:
 * 1. reads the exact body bytes the SDK is about to send, and the `anthropic-version` /
 *    `anthropic-beta` headers;
 * 2. maps them to a run-declaration/v1 with `mapRequest` (a fresh random salt by default);
 *    a request that cannot be mapped faithfully (server-held state such as
 *    `previous_response_id` or `container`, or a body that is not strict JSON) is refused
 *    with the mapper's error and never sent;
 * 3. submits the declaration and verifies the receipt against the caller's key or policy;
 * 4. stores declaration + receipt, calls `onDeclared`;
 * 5. only then forwards the original request — the same bytes — and returns the provider's
 *    response with an `x-runproof-identity` header added (the body still streams).
 * Any other call passes through untouched.
 *
 * When the log cannot be reached in time (`UNREACHABLE`) or is overloaded (`UNAVAILABLE`: 429 or
 * 5xx), `onUnavailable: 'fail'` (the default) throws and nothing is sent; `'proceed'` sends the
 * request anyway, marks the response `x-runproof-status: undeclared` and reports it to
 * `onDeclared`. A receipt that does not verify always throws: it is not an outage.
 */
import { RunproofError, isRunproofError } from '../src/errors.js';
import type { RequestApi } from '../src/declaration/mappers.js';
import { ReceiptVerifier } from '../src/receipt/verify.js';
import { declareCanonical, type Declared } from './declare.js';
import { mapToCanonical } from './map.js';
import { outgoingCall } from './request.js';
import { defaultProvider, requestApi } from './route.js';
import { directoryStore, type ReceiptStore } from './store.js';
import { logEndpoint } from './submit.js';
import { resolveTrust, type TrustOptions } from './trust.js';

/** The response header carrying the identity of the declared run. */
export const IDENTITY_HEADER = 'x-runproof-identity';
/** The response header set to `undeclared` when a call went ahead without a declaration. */
export const STATUS_HEADER = 'x-runproof-status';

/** What `onDeclared` is told about each inference call. */
export type DeclaredInfo =
  | ({ status: 'declared'; api: RequestApi; url: string } & Declared)
  | { status: 'unavailable'; api: RequestApi; url: string; error: RunproofError };

/** Options of {@link runproofFetch}. */
export interface RunproofFetchOptions extends TrustOptions {
  /** The log's URL prefix, e.g. `https://log.example.com`. */
  log: string;
  /**
   * `model.provider` of the declarations. Defaults from the request's host
   * (`api.openai.com` → `openai`, `api.anthropic.com` → `anthropic`); required for any other host.
   */
  provider?: string;
  /** Where to keep declaration + receipt: a {@link ReceiptStore}, or a directory path. */
  store?: ReceiptStore | string;
  /** What to do when the log is unreachable or overloaded: `'fail'` (default) or `'proceed'`. */
  onUnavailable?: 'fail' | 'proceed';
  /** Called after each declaration (before the provider call), or when one was skipped. */
  onDeclared?: (info: DeclaredInfo) => void;
  /** `'auto'` (default) adds a fresh 16-byte random salt to each declaration; `'none'` omits it. */
  salt?: 'auto' | 'none';
  /** A bearer token for the log, if it requires one. */
  token?: string;
  /** The fetch used for the log and the provider (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** How long to wait for the log, in milliseconds (default 10 000). */
  timeoutMs?: number;
}

/**
 * runproofFetch returns a `fetch` that declares each inference call to the log first.
 * The options are checked here (log URL, key or policy), so a misconfiguration fails at once.
 *
 * @throws RunproofError (from the returned fetch) MAPPING_REJECTED / MAPPING_INVALID for a
 *   request it will not declare; UNREACHABLE / UNAVAILABLE under `onUnavailable: 'fail'`;
 *   the verification code when a receipt does not verify. The SDKs wrap a thrown error in their
 *   connection error, with this one as its `cause`.
 * @example
 * const client = new OpenAI({ fetch: runproofFetch({ log: 'https://log.example.com', vkey }) });
 */
export function runproofFetch(opts: RunproofFetchOptions): typeof fetch {
  const verifier = new ReceiptVerifier(resolveTrust(opts));
  logEndpoint(opts.log);
  const onUnavailable = opts.onUnavailable ?? 'fail';
  if (onUnavailable !== 'fail' && onUnavailable !== 'proceed') {
    throw new RunproofError('MALFORMED_REQUEST', `onUnavailable must be 'fail' or 'proceed'`, { path: 'onUnavailable' });
  }
  const salt = opts.salt ?? 'auto';
  if (salt !== 'auto' && salt !== 'none') {
    throw new RunproofError('MALFORMED_REQUEST', `salt must be 'auto' or 'none'`, { path: 'salt' });
  }
  const store = typeof opts.store === 'string' ? directoryStore(opts.store) : opts.store;
  const baseFetch = opts.fetch ?? globalThis.fetch;

  return async function runproofFetchCall(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const call = outgoingCall(input, init);
    const api = requestApi(call.method, call.url);
    if (api === undefined) return baseFetch.call(undefined, input, init);

    const provider = opts.provider ?? defaultProvider(call.url);
    if (provider === undefined) {
      throw new RunproofError('MAPPING_INVALID', `no provider configured for host ${call.url.hostname}; pass runproofFetch({ provider })`, { path: 'provider' });
    }
    if (call.headers.has('content-encoding')) {
      throw new RunproofError('MAPPING_INVALID', 'a request body with a content-encoding cannot be declared verbatim');
    }
    const canonical = mapToCanonical(api, await call.body(), { provider, headers: dialectHeaders(call.headers), salt });
    const url = call.url.href;

    let declared: Declared;
    try {
      declared = await declareCanonical(canonical, verifier, { log: opts.log, token: opts.token, timeoutMs: opts.timeoutMs, fetch: baseFetch, signal: init?.signal ?? null });
    } catch (e) {
      if (onUnavailable === 'proceed' && isRunproofError(e) && (e.code === 'UNREACHABLE' || e.code === 'UNAVAILABLE')) {
        opts.onDeclared?.({ status: 'unavailable', api, url, error: e });
        const [fwdInput, fwdInit] = call.forward();
        return withHeader(await baseFetch.call(undefined, fwdInput, fwdInit), STATUS_HEADER, 'undeclared');
      }
      throw e;
    }
    await store?.put(declared.identity, declared.declaration, declared.receipt);
    opts.onDeclared?.({ status: 'declared', api, url, ...declared });

    const [fwdInput, fwdInit] = call.forward();
    return withHeader(await baseFetch.call(undefined, fwdInput, fwdInit), IDENTITY_HEADER, declared.identity);
  };
}

/** dialectHeaders picks the request headers that declaration-v1 maps (lower-cased names). */
function dialectHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['anthropic-version', 'anthropic-beta']) {
    const value = headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

/**
 * withHeader returns the provider's response with one header added. Fetch responses have
 * immutable headers, so it is re-wrapped: same status, status text, headers and body stream
 * (nothing is buffered), and the same `url`.
 */
function withHeader(res: Response, name: string, value: string): Response {
  const headers = new Headers(res.headers);
  headers.set(name, value);
  const out = new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  Object.defineProperty(out, 'url', { value: res.url });
  return out;
}
