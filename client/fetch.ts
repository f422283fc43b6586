/**
 * `runproofFetch` — a `fetch` to hand to the official OpenAI and Anthropic SDKs (both take a
 * `fetch` option) so that every inference call is declared to a runproof log BEFORE the model
 * sees it.
 *
 * For each POST to `…/chat/completions`, `…/responses` or `…/messages` (see route.ts) it:
 * 1. reads the exact body bytes the SDK is about to send, and the `anthropic-version` /
 *    `anthropic-beta` headers;
 * 2. maps them to a run-declaration/v1 with `mapRequest` (a fresh random salt by default;
 *    credentials replaced by a fixed marker; a `previous_response_id` that came through here
 *    named by its run identity; inline media as content references if asked);
 * 3. submits the identity (or, if asked, the declaration) and verifies the receipt against the
 *    caller's key or policy;
 * 4. stores declaration + receipt, calls `onDeclared`;
 * 5. only then forwards the original request — the same bytes — and returns the provider's
 *    response with an `x-runproof-identity` header added (the body still streams). For a
 *    Responses call it also records which response id the run produced.
 * Batch creation (OpenAI batch input files, OpenAI and Anthropic batches) is declared as a whole
 * first (batch.ts). Any other call passes through untouched.
 *
 * A call that cannot be declared is answered here with a synthetic error response (refusal.ts):
 * the SDK raises its typed API error and does not retry; the provider is never contacted.
 * When the log cannot be reached in time (`UNREACHABLE`) or is overloaded (`UNAVAILABLE`: 429 or
 * 5xx), `onUnavailable: 'fail'` (the default) refuses the call that way; `'proceed'` sends the
 * request anyway, marks the response `x-runproof-status: undeclared` and reports it to
 * `onDeclared`. A receipt that does not verify is always refused: it is not an outage.
 */
import { RunproofError, isRunproofError } from '../src/errors.js';
import type { RequestApi } from '../src/declaration/mappers.js';
import type { MediaReferenceOptions } from '../src/declaration/media.js';
import { ReceiptVerifier } from '../src/receipt/verify.js';
import { declareBatchCall, type BatchContext } from './batch.js';
import { checkSubmitMode, declareCanonical, type Declared, type SubmitMode } from './declare.js';
import { mapToCanonical } from './map.js';
import { refusalResponse } from './refusal.js';
import { outgoingCall } from './request.js';
import { watchResponseId } from './response-id.js';
import { batchKind, defaultProvider, requestApi } from './route.js';
import { directoryStore, type ReceiptStore } from './store.js';
import { logEndpoint } from './submit.js';
import { resolveTrust, type TrustOptions } from './trust.js';

/** The response header carrying the identity of the declared run. */
export const IDENTITY_HEADER = 'x-runproof-identity';
/** The response header set to `undeclared` (went ahead without a declaration) or `refused`. */
export const STATUS_HEADER = 'x-runproof-status';

/** What `onDeclared` is told about each inference call. */
export type DeclaredInfo =
  | ({ status: 'declared'; api: RequestApi; url: string } & Declared)
  | { status: 'unavailable'; api: RequestApi; url: string; error: RunproofError }
  | { status: 'refused'; api: RequestApi | 'batch'; url: string; error: RunproofError };

/** Options of {@link runproofFetch}. */
export interface RunproofFetchOptions extends TrustOptions {
  /** The log's URL prefix, e.g. `https://log.example.com`. */
  log: string;
  /**
   * `model.provider` of the declarations. Defaults from the request's host
   * (`api.openai.com` → `openai`, `api.anthropic.com` → `anthropic`); required for any other host.
   */
  provider?: string;
  /** Where to keep declarations, receipts and indexes: a {@link ReceiptStore}, or a directory path. */
  store?: ReceiptStore | string;
  /** What to do when the log is unreachable or overloaded: `'fail'` (default) or `'proceed'`. */
  onUnavailable?: 'fail' | 'proceed';
  /** Called after each declaration (before the provider call), or when one was skipped or refused. */
  onDeclared?: (info: DeclaredInfo) => void;
  /** `'auto'` (default) adds a fresh 16-byte random salt to each declaration; `'none'` omits it. */
  salt?: 'auto' | 'none';
  /** What the log receives: `'identity'` (default; the declaration stays here) or `'declaration'`. */
  submit?: SubmitMode;
  /**
   * Opt-in: replace inline base64 media of at least `minBytes` decoded bytes by content
   * references (docs/specification.md §4.4). Off by default: media is declared verbatim.
   */
  mediaReferences?: MediaReferenceOptions;
  /** Largest request body read, in bytes (default: 32 MiB, the declaration limit). */
  maxBodyBytes?: number;
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
 * A refused call resolves to a 400 (the request cannot be declared) or 424 (the log could not
 * declare it) response with `error.type: "runproof_refused"` and the code; the SDKs raise it as
 * their `BadRequestError` / `APIError`.
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
  const submit = checkSubmitMode(opts.submit);
  const store = typeof opts.store === 'string' ? directoryStore(opts.store) : opts.store;
  const baseFetch = opts.fetch ?? globalThis.fetch;
  const logOpts = { log: opts.log, token: opts.token, timeoutMs: opts.timeoutMs, fetch: baseFetch, submit };
  const mapOpts = { salt, maxBodyBytes: opts.maxBodyBytes, mediaReferences: opts.mediaReferences };
  // Response id → identity of the run that produced it, for this process; the store keeps it
  // across processes. `pending` holds the scans of answers still arriving.
  const responses = new Map<string, string>();
  const pending = new Set<Promise<unknown>>();

  const batchContext: BatchContext = { verifier, logOpts, mapOpts, store, baseFetch, onDeclared: opts.onDeclared };

  return async function runproofFetchCall(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const call = outgoingCall(input, init);
    const batch = batchKind(call.method, call.url);
    const api = requestApi(call.method, call.url);
    if (batch === undefined && api === undefined) return baseFetch.call(undefined, input, init);

    const url = call.url.href;
    if (batch !== undefined) {
      try {
        return await declareBatchCall(batch, call, { ...batchContext, provider: providerOf(call.url) });
      } catch (e) {
        if (!isRunproofError(e)) throw e;
        opts.onDeclared?.({ status: 'refused', api: 'batch', url, error: e });
        return refusalResponse(e, url);
      }
    }
    if (api === undefined) throw new Error('unreachable: neither a batch nor an inference call');

    let declared: Declared;
    try {
      const canonical = await mapCall(api);
      try {
        declared = await declareCanonical(canonical, verifier, { ...logOpts, signal: init?.signal ?? null });
      } catch (e) {
        if (onUnavailable === 'proceed' && isRunproofError(e) && (e.code === 'UNREACHABLE' || e.code === 'UNAVAILABLE')) {
          opts.onDeclared?.({ status: 'unavailable', api, url, error: e });
          const [fwdInput, fwdInit] = call.forward();
          return withHeader(await baseFetch.call(undefined, fwdInput, fwdInit), STATUS_HEADER, 'undeclared');
        }
        throw e;
      }
      await store?.put(declared.identity, declared.declaration, declared.receipt);
    } catch (e) {
      if (!isRunproofError(e)) throw e;
      opts.onDeclared?.({ status: 'refused', api, url, error: e });
      return refusalResponse(e, url);
    }
    opts.onDeclared?.({ status: 'declared', api, url, ...declared });

    const [fwdInput, fwdInit] = call.forward();
    const res = await baseFetch.call(undefined, fwdInput, fwdInit);
    if (api !== 'openai-responses') return withHeader(res, IDENTITY_HEADER, declared.identity);
    const watched = watchResponseId(res);
    const recorded = watched.id.then(async (id) => {
      if (id === undefined) return;
      responses.set(id, declared.identity);
      await store?.putResponse?.(id, declared.identity);
    });
    pending.add(recorded);
    void recorded.catch(() => undefined).finally(() => pending.delete(recorded));
    return withHeader(res, IDENTITY_HEADER, declared.identity, watched.body);

    /** mapCall maps the call's body, looking up the run a `previous_response_id` continues. */
    async function mapCall(dialect: RequestApi): Promise<Uint8Array> {
      const provider = providerOf(call.url);
      if (call.headers.has('content-encoding')) {
        throw new RunproofError('MAPPING_INVALID', 'a request body with a content-encoding cannot be declared verbatim');
      }
      const body = await call.body();
      const previous = dialect === 'openai-responses' ? await previousIdentity(previousResponseId(body)) : undefined;
      return mapToCanonical(dialect, body, { provider, headers: dialectHeaders(call.headers), ...mapOpts, previousIdentity: (id) => (previous?.[0] === id ? previous[1] : undefined) });
    }
  };

  /** providerOf is the configured provider, or the one of a well-known host. */
  function providerOf(url: URL): string {
    const provider = opts.provider ?? defaultProvider(url);
    if (provider === undefined) {
      throw new RunproofError('MAPPING_INVALID', `no provider configured for host ${url.hostname}; pass runproofFetch({ provider })`, { path: 'provider' });
    }
    return provider;
  }

  /**
   * previousIdentity finds the run that produced response `id`: in memory (after waiting for
   * answers still being scanned), else in the store. Returns `[id, identity]` or undefined.
   */
  async function previousIdentity(id: string | undefined): Promise<[string, string] | undefined> {
    if (id === undefined) return undefined;
    if (!responses.has(id) && pending.size > 0) await Promise.allSettled([...pending]);
    const identity = responses.get(id) ?? (await store?.responseIdentity?.(id));
    return identity === undefined ? undefined : [id, identity];
  }
}

/**
 * previousResponseId finds a top-level `"previous_response_id":"…"` in a body without parsing
 * it (the mapper parses it strictly, once). It is only a hint for the lookup: the mapper links
 * the run only if the parsed value is the same id.
 */
function previousResponseId(body: Uint8Array): string | undefined {
  const text = new TextDecoder().decode(body.length > 65536 ? body.subarray(0, 65536) : body);
  const m = /"previous_response_id"\s*:\s*"([A-Za-z0-9_-]{1,200})"/.exec(text);
  if (m === null) {
    // The SDKs put the field after the input, which may be large: look at the tail too.
    if (body.length <= 65536) return undefined;
    const tail = new TextDecoder().decode(body.subarray(body.length - 65536));
    return /"previous_response_id"\s*:\s*"([A-Za-z0-9_-]{1,200})"/.exec(tail)?.[1];
  }
  return m[1];
}

/** dialectHeaders picks the request headers that the mapper reads (docs/specification.md §4) (lower-cased names). */
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
 * (nothing is buffered; `body` replaces it when the caller's branch of a tee is given), and the
 * same `url`.
 */
export function withHeader(res: Response, name: string, value: string, body: ReadableStream<Uint8Array> | null = res.body): Response {
  const headers = new Headers(res.headers);
  headers.set(name, value);
  const out = new Response(body, { status: res.status, statusText: res.statusText, headers });
  Object.defineProperty(out, 'url', { value: res.url });
  return out;
}
