/**
 * From a provider request to the canonical bytes of its run declaration: `mapRequest`
 * (docs/specification.md §4) followed by RFC 8785. Used by `runproofFetch` for every declared
 * call and by `runproof submit --from`.
 *
 * Every failure is a mapping failure, MAPPING_INVALID — a body that is not strict JSON, no
 * `model`, a provider token or salt the schema refuses, a declaration over the size limit — with
 * the underlying error as `cause`, its code in `evidence.code` and its path kept.
 */
import { RunproofError, isRunproofError } from '../src/errors.js';
import { canonicalBytes } from '../src/json/canonical.js';
import type { JsonValue } from '../src/json/strict.js';
import { mapRequest, type RequestApi } from '../src/declaration/mappers.js';
import type { MediaReferenceOptions } from '../src/declaration/media.js';

/** Options of {@link mapToCanonical}. */
export interface MapToCanonicalOptions {
  /** `model.provider` of the declaration. */
  provider: string;
  /** Request headers; `anthropic-version` and `anthropic-beta` are mapped for Anthropic. */
  headers?: Record<string, string>;
  /** `'auto'` (default): a fresh 16-byte random salt; `'none'`; or the salt itself (base64url). */
  salt?: 'auto' | 'none' | string;
  /** Largest request body accepted, in bytes (default: the declaration limit, 32 MiB). */
  maxBodyBytes?: number;
  /** Opt-in media-reference mode (docs/specification.md §4.4). */
  mediaReferences?: MediaReferenceOptions;
  /** The identity declared for an earlier provider response id, if known. */
  previousIdentity?: (responseId: string) => string | undefined;
}

/** secureRandomBytes draws bytes from the platform CSPRNG (Web Crypto). */
function secureRandomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

/**
 * mapToCanonical maps a request body to the canonical bytes of its declaration.
 * @throws RunproofError MAPPING_INVALID
 */
export function mapToCanonical(api: RequestApi, body: Uint8Array | string, opts: MapToCanonicalOptions): Uint8Array {
  try {
    const declaration = mapRequest(api, body, {
      provider: opts.provider,
      headers: opts.headers ?? {},
      salt: opts.salt ?? 'auto',
      randomBytes: secureRandomBytes,
      maxBodyBytes: opts.maxBodyBytes,
      mediaReferences: opts.mediaReferences,
      previousIdentity: opts.previousIdentity,
    });
    return canonicalBytes(declaration as unknown as JsonValue);
  } catch (e) {
    if (!isRunproofError(e) || e.code === 'MAPPING_REJECTED' || e.code === 'MAPPING_INVALID') throw e;
    // Keep the path as a field; the new error appends "(at <path>)" to its message itself.
    const suffix = e.path !== undefined ? ` (at ${e.path})` : '';
    const reason = suffix !== '' && e.message.endsWith(suffix) ? e.message.slice(0, -suffix.length) : e.message;
    throw new RunproofError('MAPPING_INVALID', `cannot declare this ${api} request: ${reason}`, { cause: e, evidence: { code: e.code }, ...(e.path !== undefined ? { path: e.path } : {}) });
  }
}
