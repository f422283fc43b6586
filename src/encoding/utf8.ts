/**
 * UTF-8 helpers. `TextDecoder` with `fatal: true` rejects invalid UTF-8 (overlongs, surrogates
 * encoded in UTF-8, truncated sequences) instead of substituting U+FFFD, and `ignoreBOM: true`
 * keeps a leading BOM visible so callers can reject it.
 */
import { RunproofError } from '../errors.js';

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** utf8 encodes a string as UTF-8 bytes. Lone surrogates must be rejected by the caller first. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** utf8Length is the number of bytes of the UTF-8 encoding of `s` (lone surrogates count as 3, as U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * decodeUtf8 decodes UTF-8 strictly.
 * @throws RunproofError MALFORMED_ENCODING (or `code` if given)
 */
export function decodeUtf8(bytes: Uint8Array, what = 'text'): string {
  try {
    return strictDecoder.decode(bytes);
  } catch (cause) {
    throw new RunproofError('MALFORMED_ENCODING', `${what}: invalid UTF-8`, { cause });
  }
}

/** concatBytes joins byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** equalBytes compares two byte arrays (not constant-time; only for public data). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
