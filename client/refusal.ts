/**
 * A refused call, answered the way the provider answers a bad request: a synthetic HTTP error
 * response with a JSON body, so the OpenAI and Anthropic SDKs raise their own typed API error
 * (with the reason) instead of a connection error, and do not retry it (`x-should-retry: false`,
 * which both SDKs honour). The provider is never contacted.
 *
 * The body fits both SDKs' error shapes:
 * `{"type":"error","error":{"type":"runproof_refused","code":…,"message":…,"param":…,"path":…}}`.
 */
import type { RunproofError } from '../src/errors.js';

/** The `error.type` of every refusal. */
export const REFUSAL_TYPE = 'runproof_refused';

/** Codes that mean "this request cannot be declared" (400); any other is about the log (424). */
function isRequestFault(code: string): boolean {
  return code.startsWith('MAPPING_') || code.startsWith('JSON_') || code === 'DECLARATION_INVALID' || code === 'IDENTITY_MALFORMED';
}

/**
 * refusalResponse answers a refused call: 400 when the request itself cannot be declared, 424
 * (Failed Dependency) when the log could not declare it or its receipt did not verify.
 */
export function refusalResponse(e: RunproofError, url: string): Response {
  const status = isRequestFault(e.code) ? 400 : 424;
  const path = e.path ?? null;
  const body = { type: 'error', error: { type: REFUSAL_TYPE, code: e.code, message: `runproof refused this call: ${e.message}`, param: path, path } };
  const res = new Response(JSON.stringify(body), {
    status,
    statusText: status === 400 ? 'Bad Request' : 'Failed Dependency',
    headers: { 'content-type': 'application/json', 'x-should-retry': 'false', 'x-runproof-status': 'refused' },
  });
  Object.defineProperty(res, 'url', { value: url });
  return res;
}
