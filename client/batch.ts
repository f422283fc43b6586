/**
 * Batches, declared before the provider gets them: every request of an OpenAI Batch input file
 * (when the file is uploaded with `purpose: "batch"`, or when a batch is created from a file that
 * was not uploaded through runproof) and every request of an Anthropic Message Batch is mapped,
 * and all are declared in `POST /v1/batch` calls to the log, receipts verified. The store gets
 * each declaration and receipt and a `custom_id → identity` index (`batches/<name>.json`, with
 * `<name>` `openai-file-<file id>`, `openai-batch-<batch id>` or `anthropic-batch-<batch id>`).
 *
 * A batch is declared as a whole or not at all: if one request cannot be mapped (an endpoint the
 * mappers do not know, such as embeddings; a malformed line; a duplicate `custom_id`), nothing
 * is sent to the log or to the provider.
 */
import { RunproofError, isRunproofError } from '../src/errors.js';
import { parseStrictJson, type JsonObject, type JsonValue } from '../src/json/strict.js';
import { canonicalBytes } from '../src/json/canonical.js';
import type { RequestApi } from '../src/declaration/mappers.js';
import type { MediaReferenceOptions } from '../src/declaration/media.js';
import type { ReceiptVerifier } from '../src/receipt/verify.js';
import { declareManyCanonical, type DeclareCanonicalOptions, type Declared } from './declare.js';
import type { DeclaredInfo } from './fetch.js';
import { mapToCanonical } from './map.js';
import type { OutgoingCall } from './request.js';
import { requestApi, type BatchKind } from './route.js';
import { isStorableId, type ReceiptStore } from './store.js';

/** What declaring a batch needs from `runproofFetch`. */
export interface BatchContext {
  verifier: ReceiptVerifier;
  logOpts: DeclareCanonicalOptions;
  mapOpts: { salt: 'auto' | 'none'; maxBodyBytes?: number; mediaReferences?: MediaReferenceOptions };
  store?: ReceiptStore;
  baseFetch: typeof fetch;
  onDeclared?: (info: DeclaredInfo) => void;
  provider?: string;
}

/** One request of a batch, ready to map. */
interface BatchRequest {
  customId: string;
  api: RequestApi;
  body: Uint8Array;
}

/** The largest batch input file read (OpenAI's limit is 200 MB). */
const MAX_INPUT_BYTES = 200 * 1_048_576;

/** Identities of OpenAI input files declared by this process, by file id. */
const declaredFiles = new Map<string, Record<string, string>>();

/**
 * declareBatchCall declares the requests of a batch-creating call, then forwards it and records
 * the provider's id for the batch (or file) in the store.
 * @throws RunproofError when any request cannot be declared (nothing is sent)
 */
export async function declareBatchCall(kind: BatchKind, call: OutgoingCall, ctx: BatchContext): Promise<Response> {
  let requests: BatchRequest[];
  let known: Record<string, string> | undefined;
  if (kind === 'openai-file') {
    const form = call.form();
    if (form === undefined || form.get('purpose') !== 'batch') return forward(call, ctx);
    const file = form.get('file');
    if (!(file instanceof Blob)) throw new RunproofError('MAPPING_INVALID', 'batch upload: the form has no file', { path: 'file' });
    requests = openaiInputLines(new Uint8Array(await file.arrayBuffer()));
  } else if (kind === 'openai-batch') {
    const fileId = inputFileId(await call.body());
    known = declaredFiles.get(fileId);
    requests = known === undefined ? openaiInputLines(await downloadInput(call, fileId, ctx)) : [];
  } else {
    requests = anthropicRequests(await call.body());
  }

  const identities = known ?? byCustomId(requests, await declareAll(requests, call, ctx));
  const res = await forward(call, ctx);
  if (res.status >= 200 && res.status <= 299) {
    const id = await providerId(res.clone());
    if (id !== undefined && isStorableId(id)) {
      if (kind === 'openai-file') declaredFiles.set(id, identities);
      await ctx.store?.putBatch?.(`${kind}-${id}`, identities);
    }
  }
  return res;
}

/** declareAll maps every request (all before anything is sent), declares them and stores them. */
async function declareAll(requests: BatchRequest[], call: OutgoingCall, ctx: BatchContext): Promise<Declared[]> {
  if (ctx.provider === undefined) throw new RunproofError('MAPPING_INVALID', 'no provider configured for this host; pass runproofFetch({ provider })', { path: 'provider' });
  const headers: Record<string, string> = {};
  for (const name of ['anthropic-version', 'anthropic-beta']) {
    const value = call.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  const canonicals = requests.map((r, i) => {
    try {
      return mapToCanonical(r.api, r.body, { provider: ctx.provider!, headers, ...ctx.mapOpts });
    } catch (e) {
      if (!isRunproofError(e)) throw e;
      throw new RunproofError(e.code, `batch request ${i} (custom_id ${JSON.stringify(r.customId)}): ${e.message}`, { cause: e, path: `$[${i}]${e.path?.slice(1) ?? ''}` });
    }
  });
  const declared = await declareManyCanonical(canonicals, ctx.verifier, { ...ctx.logOpts, signal: null });
  for (const [i, d] of declared.entries()) {
    await ctx.store?.put(d.identity, d.declaration, d.receipt);
    ctx.onDeclared?.({ status: 'declared', api: requests[i]!.api, url: call.url.href, ...d });
  }
  return declared;
}

function byCustomId(requests: BatchRequest[], declared: Declared[]): Record<string, string> {
  const out: Record<string, string> = {};
  requests.forEach((r, i) => Object.defineProperty(out, r.customId, { value: declared[i]!.identity, enumerable: true, writable: true, configurable: true }));
  return out;
}

/**
 * openaiInputLines reads an OpenAI Batch input file: JSON Lines of
 * `{"custom_id", "method": "POST", "url", "body"}`, one request per line.
 * @throws RunproofError MAPPING_INVALID naming the line
 */
export function openaiInputLines(bytes: Uint8Array): BatchRequest[] {
  const out: BatchRequest[] = [];
  const seen = new Set<string>();
  let start = 0;
  let line = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    const raw = bytes.subarray(start, end);
    const text = raw.length > 0 && raw[raw.length - 1] === 0x0d ? raw.subarray(0, raw.length - 1) : raw;
    start = end + 1;
    line++;
    if (text.length === 0) continue;
    const where = `line ${line}`;
    let v: JsonValue;
    try {
      v = parseStrictJson(text);
    } catch (e) {
      throw new RunproofError('MAPPING_INVALID', `batch input ${where} is not strict JSON: ${(e as Error).message}`, { cause: e, path: where });
    }
    const obj = object(v, where);
    const customId = obj.custom_id;
    if (typeof customId !== 'string') throw new RunproofError('MAPPING_INVALID', `batch input ${where}: custom_id must be a string`, { path: `${where} $.custom_id` });
    if (seen.has(customId)) throw new RunproofError('MAPPING_INVALID', `batch input ${where}: custom_id ${JSON.stringify(customId)} appears twice`, { path: `${where} $.custom_id` });
    seen.add(customId);
    const url = typeof obj.url === 'string' ? obj.url : '';
    const api = requestApi(typeof obj.method === 'string' ? obj.method : '', new URL(url, 'https://batch.invalid'));
    if (api === undefined) {
      throw new RunproofError('MAPPING_INVALID', `batch input ${where}: ${JSON.stringify(obj.method)} ${JSON.stringify(url)} is not an inference endpoint runproof can declare`, { path: `${where} $.url` });
    }
    out.push({ customId, api, body: canonicalBytes(object(obj.body ?? null, `${where} $.body`)) });
  }
  return out;
}

/** anthropicRequests reads `{"requests":[{"custom_id","params"}, …]}` of a Message Batch. */
function anthropicRequests(body: Uint8Array): BatchRequest[] {
  const v = object(parseStrictJson(body), '$');
  if (!Array.isArray(v.requests)) throw new RunproofError('MAPPING_INVALID', 'message batch: requests must be an array', { path: '$.requests' });
  const seen = new Set<string>();
  return v.requests.map((item, i) => {
    const r = object(item, `$.requests[${i}]`);
    if (typeof r.custom_id !== 'string' || seen.has(r.custom_id)) {
      throw new RunproofError('MAPPING_INVALID', `message batch: request ${i} needs a custom_id of its own`, { path: `$.requests[${i}].custom_id` });
    }
    seen.add(r.custom_id);
    return { customId: r.custom_id, api: 'anthropic' as const, body: canonicalBytes(object(r.params ?? null, `$.requests[${i}].params`)) };
  });
}

function object(v: JsonValue, where: string): JsonObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new RunproofError('MAPPING_INVALID', `${where} must be a JSON object`, { path: where });
  return v;
}

/** inputFileId reads `input_file_id` from an OpenAI batch-create body. */
function inputFileId(body: Uint8Array): string {
  const v = object(parseStrictJson(body), '$');
  if (typeof v.input_file_id !== 'string' || !isStorableId(v.input_file_id)) {
    throw new RunproofError('MAPPING_INVALID', 'batch: input_file_id must be a provider file id', { path: '$.input_file_id' });
  }
  return v.input_file_id;
}

/**
 * downloadInput fetches a batch input file that was not uploaded through runproof from the
 * provider (`GET …/files/<id>/content`, with the batch call's own credentials).
 */
async function downloadInput(call: OutgoingCall, fileId: string, ctx: BatchContext): Promise<Uint8Array> {
  const base = call.url.href.replace(/\/batches\/?(\?.*)?$/, '');
  const headers = new Headers(call.headers);
  for (const name of ['content-type', 'content-length', 'idempotency-key']) headers.delete(name);
  const res = await ctx.baseFetch.call(undefined, `${base}/files/${fileId}/content`, { method: 'GET', headers });
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new RunproofError('UNAVAILABLE', `batch: the provider answered HTTP ${res.status} for input file ${fileId}; cannot declare it`);
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length > MAX_INPUT_BYTES) throw new RunproofError('TOO_LARGE', `batch: input file ${fileId} is larger than ${MAX_INPUT_BYTES} bytes`);
  return bytes;
}

async function forward(call: OutgoingCall, ctx: BatchContext): Promise<Response> {
  const [input, init] = call.forward();
  return ctx.baseFetch.call(undefined, input, init);
}

/** providerId reads the `id` of a provider's JSON answer (a file or batch object). */
async function providerId(res: Response): Promise<string | undefined> {
  try {
    const v = (await res.json()) as { id?: unknown };
    return typeof v.id === 'string' ? v.id : undefined;
  } catch {
    return undefined;
  }
}
