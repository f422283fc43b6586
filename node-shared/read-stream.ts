/**
 * Reading a WHATWG byte stream whole, under a size limit — the one implementation for request
 * bodies (log server), witness answers and log answers (verifier). Web-standard streams only, so
 * it runs anywhere the core does; it never reads past the limit.
 */
import { concatBytes } from '../src/encoding/utf8.js';

/**
 * readStreamLimited reads `stream` to its end and returns the bytes; as soon as more than
 * `maxBytes` have arrived it cancels the stream and throws `tooLarge()`.
 */
export async function readStreamLimited(stream: ReadableStream<Uint8Array>, maxBytes: number, tooLarge: () => Error): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : concatBytes(...chunks);
}
