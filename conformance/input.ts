/**
 * How a conformance vector gives its input bytes (conformance/README.md, "Inputs"): as text (UTF-8),
 * as hex, or — for inputs too large to store — as a rule that concatenates pieces.
 */
import { fromHex, toHex } from '../src/encoding/hex.js';
import { concatBytes, decodeUtf8, utf8 } from '../src/encoding/utf8.js';

/** One piece of a built input: a text, or a text repeated `times` times. */
export type Piece = { text: string } | { repeat: string; times: number };

/** A vector's input. */
export type Input = { text: string } | { hex: string } | { build: Piece[] };

/** inputBytes returns the exact bytes an {@link Input} stands for. */
export function inputBytes(input: Input): Uint8Array {
  if ('text' in input) return utf8(input.text);
  if ('hex' in input) return fromHex(input.hex);
  return concatBytes(...input.build.map((p) => utf8('text' in p ? p.text : p.repeat.repeat(p.times))));
}

/** inputOf stores bytes as text when they are valid UTF-8 that survives a JSON round trip, else as hex. */
export function inputOf(bytes: Uint8Array): Input {
  try {
    const text = decodeUtf8(bytes);
    if (!text.startsWith('\ufeff')) return { text };
  } catch {
    // not UTF-8: hex below
  }
  return { hex: toHex(bytes) };
}
