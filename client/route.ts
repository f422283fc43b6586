/**
 * Which outgoing calls `runproofFetch` declares: POSTs whose URL path ends in the inference
 * endpoint of a dialect that declaration-v1 maps (shared/declaration-v1.md, "Mapping a request
 * body"). Everything else — listing models, fetching a stored response, counting tokens,
 * uploading files — is not a run and passes through untouched.
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
