/** SHA-256 of a text's UTF-8 bytes (or of bytes) with node:crypto, for the declaration hot paths of the log server. */
import { hash } from 'node:crypto';

/**
 * sha256OfText hashes a canonical text's UTF-8 bytes with node:crypto's one-shot `hash` (no
 * encoded copy in JS, no Hash object: ≈ 2 µs for 1.3 KB against 3.6 µs with createHash and
 * 25–30 µs for encoding it and hashing with noble). The text must hold no lone surrogates
 * (canonical texts do not), which node would replace rather than refuse. Bytes — a request body
 * already in canonical form — are hashed as they are.
 */
export function sha256OfText(text: string | Uint8Array): Uint8Array {
  return hash('sha256', text, 'buffer');
}
