/**
 * Lowercase hexadecimal, strict: the signed-note spec and our identities use only lowercase
 * base16, so uppercase or odd-length input is rejected rather than accepted leniently.
 */
import { RunproofError } from '../errors.js';

const HEX = '0123456789abcdef';
/** Character codes of the 16 lowercase hex digits. */
const DIGIT_CODES = Array.from(HEX, (c) => c.charCodeAt(0));
/** Bytes written per String.fromCharCode call: its arguments stay well below engines' limits. */
const CHUNK = 4096;

/** toHex encodes bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  // One string per chunk from its character codes: concatenating two characters per byte left
  // ~64 strings of garbage per identity (measured: 6 % of the log server's allocation per
  // single declaration, which formats one identity).
  let out = '';
  const codes: number[] = new Array<number>(2 * Math.min(bytes.length, CHUNK));
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(bytes.length, start + CHUNK);
    if (end - start < CHUNK) codes.length = 2 * (end - start);
    for (let i = start, j = 0; i < end; i++, j += 2) {
      const b = bytes[i]!;
      codes[j] = DIGIT_CODES[Math.floor(b / 16)]!;
      codes[j + 1] = DIGIT_CODES[b % 16]!;
    }
    out += String.fromCharCode(...codes);
  }
  return out;
}

/**
 * fromHex decodes lowercase hex; with `length`, the result must have exactly that many bytes.
 * @throws RunproofError MALFORMED_ENCODING
 */
export function fromHex(text: string, length?: number, what = 'hex'): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) {
    throw new RunproofError('MALFORMED_ENCODING', `${what}: not lowercase hexadecimal`);
  }
  if (length !== undefined && text.length !== length * 2) {
    throw new RunproofError('MALFORMED_ENCODING', `${what}: want ${length} bytes, got ${text.length / 2}`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = HEX.indexOf(text[2 * i]!) * 16 + HEX.indexOf(text[2 * i + 1]!);
  return out;
}
