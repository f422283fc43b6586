/**
 * Media-reference mode of the request mappers (docs/specification.md §4.4): inline base64 media
 * in a conversation — images, audio, PDFs — is replaced by a content reference (§3.4: the
 * SHA-256 digest of the decoded bytes, their media type and length), so a declaration stays
 * small while still committing to the exact bytes the model saw. It is opt-in; verbatim is the
 * default.
 *
 * Four places hold inline media in the mapped dialects, and only these are replaced:
 * - a string that is a `data:<type>/<subtype>[;…];base64,<payload>` URL (OpenAI `image_url`,
 *   `file_data`) — the whole string becomes the reference;
 * - an object `{type: "base64", media_type, data}` (Anthropic image and document sources) — its
 *   `data` becomes the reference;
 * - an object `{input_audio: {data, format}}` with format `wav` or `mp3` (OpenAI audio input) —
 *   `input_audio.data` becomes the reference;
 * - an object member `file_data` holding bare base64 (OpenAI files without a data URL) — it
 *   becomes a reference of media type `application/octet-stream`.
 * A payload is replaced only when it is canonical padded base64 (RFC 4648 §4; anything else is
 * left verbatim, as the provider received it) and decodes to at least `minBytes` bytes.
 */
import { fromBase64 } from '../encoding/base64.js';
import { toHex } from '../encoding/hex.js';
import type { JsonObject, JsonValue } from '../json/strict.js';
import { sha256 } from '../merkle/hash.js';
import type { ContentRef } from './schema.js';

/** Options of the media-reference mode. */
export interface MediaReferenceOptions {
  /** The smallest decoded payload, in bytes, that is replaced by a reference. */
  minBytes: number;
}

const DATA_URL = /^data:([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126})((?:;[^;,]*)*);base64,/;
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
const AUDIO_TYPES: Readonly<Record<string, string>> = { wav: 'audio/wav', mp3: 'audio/mpeg' };

/** Sets a member as own data, also for the name `__proto__`. */
function put(obj: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** contentRef returns the reference to a base64 payload, or undefined to keep it verbatim. */
function contentRef(base64: string, mediaType: string, opts: MediaReferenceOptions): ContentRef | undefined {
  // Cheap bound first: decoded length is at most 3/4 of the text.
  if ((base64.length / 4) * 3 < opts.minBytes || !MEDIA_TYPE.test(mediaType)) return undefined;
  const bytes = decodeCanonicalBase64(base64);
  if (bytes === undefined || bytes.length < opts.minBytes) return undefined;
  return { digest: `sha256:${toHex(sha256(bytes))}`, media_type: mediaType, size: bytes.length };
}

/** decodeCanonicalBase64 decodes the one canonical padded base64 text of some bytes, or gives undefined (it stays verbatim). */
function decodeCanonicalBase64(text: string): Uint8Array | undefined {
  try {
    return fromBase64(text);
  } catch {
    return undefined;
  }
}

/** dataUrlRef returns the reference to a base64 data URL, or undefined for any other string. */
function dataUrlRef(text: string, opts: MediaReferenceOptions): ContentRef | undefined {
  const m = DATA_URL.exec(text);
  if (m === null) return undefined;
  return contentRef(text.slice(m[0].length), m[1]!.toLowerCase(), opts);
}

/**
 * replaceInlineMedia returns a copy of `value` with each inline media payload of at least
 * `opts.minBytes` decoded bytes replaced by its content reference (see the module comment).
 * Everything else is copied unchanged.
 */
export function replaceInlineMedia(value: JsonValue, opts: MediaReferenceOptions): JsonValue {
  if (typeof value === 'string') return (dataUrlRef(value, opts) as JsonValue | undefined) ?? value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => replaceInlineMedia(v, opts));

  const out: JsonObject = {};
  for (const [key, member] of Object.entries(value)) put(out, key, replaceInlineMedia(member, opts));
  if (value.type === 'base64' && typeof value.media_type === 'string' && typeof value.data === 'string') {
    const ref = contentRef(value.data, value.media_type, opts);
    if (ref !== undefined) put(out, 'data', ref as unknown as JsonObject);
  }
  const audio = value.input_audio;
  if (audio !== null && typeof audio === 'object' && !Array.isArray(audio) && typeof audio.data === 'string' && typeof audio.format === 'string' && Object.hasOwn(AUDIO_TYPES, audio.format)) {
    const ref = contentRef(audio.data, AUDIO_TYPES[audio.format]!, opts);
    if (ref !== undefined) put(out.input_audio as JsonObject, 'data', ref as unknown as JsonObject);
  }
  if (typeof value.file_data === 'string' && !DATA_URL.test(value.file_data)) {
    const ref = contentRef(value.file_data, 'application/octet-stream', opts);
    if (ref !== undefined) put(out, 'file_data', ref as unknown as JsonObject);
  }
  return out;
}
