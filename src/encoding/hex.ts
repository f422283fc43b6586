/**
 * Lowercase hexadecimal, strict: the signed-note spec and our identities use only lowercase
 * base16, so uppercase or odd-length input is rejected rather than accepted leniently.
 */
import { RunproofError } from '../errors.js';

const HEX = '0123456789abcdef';

/** toHex encodes bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out += HEX[Math.floor(b / 16)]! + HEX[b % 16]!;
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
