/**
 * Which outgoing calls `runproofFetch` declares: POSTs whose URL path ends in the inference
 * endpoint of a dialect the mappers know (docs/specification.md §4), and the POSTs that create a
 * batch of such calls (an OpenAI file uploaded for `batch`, an OpenAI batch, an Anthropic
 * Message Batch). Everything else — listing models, fetching a stored response, counting tokens,
 * other uploads — is not a run and passes through untouched.
 */
import type { RequestApi } from '../src/declaration/mappers.js';

/** Path endings of the inference endpoints, most specific first. */
const ENDPOINTS: ReadonlyArray<readonly [string, RequestApi]> = [
  ['/chat/completions', 'openai-chat'],
  ['/responses', 'openai-responses'],
  ['/messages', 'anthropic'],
];

/** Providers known by the host of their public API (`model.provider` tokens). */
const PROVIDER_BY_HOST: Readonly<Record<string, string>> = {
  'api.openai.com': 'openai',
  'api.anthropic.com': 'anthropic',
};

/** requestApi returns the dialect of a call to declare, or undefined for one to pass through. */
export function requestApi(method: string, url: URL): RequestApi | undefined {
  if (method !== 'POST') return undefined;
  const path = url.pathname.replace(/\/+$/, '');
  // OpenAI's Assistants API also has `POST …/threads/{id}/messages`: it stores a message in a
  // server-held thread and runs nothing, so it is not an Anthropic Messages call.
  if (path.includes('/threads/')) return undefined;
  for (const [ending, api] of ENDPOINTS) if (path.endsWith(ending)) return api;
  return undefined;
}

/** defaultProvider returns the provider token for a well-known API host, else undefined. */
export function defaultProvider(url: URL): string | undefined {
  return Object.hasOwn(PROVIDER_BY_HOST, url.hostname) ? PROVIDER_BY_HOST[url.hostname] : undefined;
}

/** A call that creates (part of) a provider batch. */
export type BatchKind = 'openai-file' | 'openai-batch' | 'anthropic-batch';

/** batchKind returns the kind of a batch-creating call, or undefined. */
export function batchKind(method: string, url: URL): BatchKind | undefined {
  if (method !== 'POST') return undefined;
  const path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith('/messages/batches')) return 'anthropic-batch';
  if (path.endsWith('/batches')) return 'openai-batch';
  if (path.endsWith('/files')) return 'openai-file';
  return undefined;
}
