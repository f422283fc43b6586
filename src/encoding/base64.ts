/**
 * Strict base64 — RFC 4648 §4, standard alphabet, with `=` padding, as every C2SP tlog spec uses.
 *
 * `Buffer.from(x, 'base64')` and `atob` are lenient (they skip bad characters, accept missing
 * padding or non-zero trailing bits), so two different strings could decode to the same bytes.
 * Here decoding is checked by re-encoding: exactly one text is accepted for each byte string.
 */
import { RunproofError } from '../errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** toBase64 encodes bytes as padded standard base64. */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = bytes[i]! * 65536 + bytes[i + 1]! * 256 + bytes[i + 2]!;
    out += ALPHABET[Math.floor(n / 262144)]! + ALPHABET[Math.floor(n / 4096) % 64]! + ALPHABET[Math.floor(n / 64) % 64]! + ALPHABET[n % 64]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! * 65536;
    out += ALPHABET[Math.floor(n / 262144)]! + ALPHABET[Math.floor(n / 4096) % 64]! + '==';
  } else if (rest === 2) {
    const n = bytes[i]! * 65536 + bytes[i + 1]! * 256;
    out += ALPHABET[Math.floor(n / 262144)]! + ALPHABET[Math.floor(n / 4096) % 64]! + ALPHABET[Math.floor(n / 64) % 64]! + '=';
  }
  return out;
}

/**
 * fromBase64 decodes padded standard base64 strictly; with `length`, exactly that many bytes.
 * @throws RunproofError MALFORMED_ENCODING
 */
export function fromBase64(text: string, length?: number, what = 'base64'): Uint8Array {
  const bad = (why: string) => new RunproofError('MALFORMED_ENCODING', `${what}: ${why}`);
  if (text.length % 4 !== 0) throw bad('length is not a multiple of 4');
  let pad = 0;
  if (text.endsWith('==')) pad = 2;
  else if (text.endsWith('=')) pad = 1;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text.charCodeAt(i + j);
      const isPad = i + j >= text.length - pad;
      const v = isPad ? (c === 61 ? 0 : -1) : c < 128 ? LOOKUP[c]! : -1;
      if (v < 0) throw bad(`invalid character at offset ${i + j}`);
      n = n * 64 + v;
    }
    const b0 = Math.floor(n / 65536), b1 = Math.floor(n / 256) % 256, b2 = n % 256;
    if (o < out.length) out[o++] = b0;
    if (o < out.length) out[o++] = b1;
    if (o < out.length) out[o++] = b2;
    // The one canonical encoding: the bits under the padding of the last group are zero
    // (otherwise a second text would decode to the same bytes). Checked here rather than by
    // re-encoding, which made megabytes of inline media slow to decode.
    if (i + 4 === text.length && (pad === 2 ? n % 65536 : pad === 1 ? n % 256 : 0) !== 0) throw bad('non-canonical encoding');
  }
  if (length !== undefined && out.length !== length) throw bad(`want ${length} bytes, got ${out.length}`);
  return out;
}

/** toBase64Url encodes bytes as unpadded base64url (RFC 4648 §5), as used by declaration salts. */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}
