/**
 * From a provider request to the canonical bytes of its run declaration: `mapRequest`
 * (shared/declaration-v1.md, "Mapping a request body") followed by RFC 8785. Used by
 * `runproofFetch` for every declared call and by `runproof submit --from`.
 *
 * Every failure is a mapping failure, so a caller has two codes to handle: MAPPING_REJECTED
 * (a REJECT field: state held by the provider) as the mapper threw it, and MAPPING_INVALID for
 * anything else — a body that is not strict JSON, no `model`, a provider token or salt the schema
 * refuses — with the underlying error as `cause` and its code in `evidence.code`.
 */
import { RunproofError, isRunproofError } from '../src/errors.js';
import { canonicalBytes } from '../src/json/canonical.js';
import type { JsonValue } from '../src/json/strict.js';
import { mapRequest, type RequestApi } from '../src/declaration/mappers.js';

/** Options of {@link mapToCanonical}. */
export interface MapToCanonicalOptions {
  /** `model.provider` of the declaration. */
  provider: string;
  /** Request headers; `anthropic-version` and `anthropic-beta` are mapped for Anthropic. */
  headers?: Record<string, string>;
  /** `'auto'` (default): a fresh 16-byte random salt; `'none'`; or the salt itself (base64url). */
  salt?: 'auto' | 'none' | string;
}

/** secureRandomBytes draws bytes from the platform CSPRNG (Web Crypto). */
function secureRandomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

/**
 * mapToCanonical maps a request body to the canonical bytes of its declaration.
 * @throws RunproofError MAPPING_REJECTED, MAPPING_INVALID
 */
export function mapToCanonical(api: RequestApi, body: Uint8Array | string, opts: MapToCanonicalOptions): Uint8Array {
  try {
    const declaration = mapRequest(api, body, { provider: opts.provider, headers: opts.headers ?? {}, salt: opts.salt ?? 'auto', randomBytes: secureRandomBytes });
    return canonicalBytes(declaration as unknown as JsonValue);
  } catch (e) {
    if (!isRunproofError(e) || e.code === 'MAPPING_REJECTED' || e.code === 'MAPPING_INVALID') throw e;
    throw new RunproofError('MAPPING_INVALID', `cannot declare this ${api} request: ${e.message}`, { cause: e, evidence: { code: e.code } });
  }
}
