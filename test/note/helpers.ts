/** Shared helpers for the src/note tests: vector loading and deterministic keys. */
import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from '../../src/encoding/utf8.js';
import { parseSignerKey, newSignerKey, SIG_COSIGNATURE_V1, SIG_ED25519, type Signer } from '../../src/note/keys.js';

/** loadVector reads test/vectors/note/<name>. */
export function loadVector<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/note/${name}`, import.meta.url), 'utf8')) as T;
}

/** seedOf derives a deterministic 32-byte seed from a label. */
export function seedOf(label: string): Uint8Array {
  return sha256(utf8(label));
}

/** logSigner is a deterministic Ed25519 (0x01) signer named `name`. */
export function logSigner(name: string, label = name): Signer {
  return parseSignerKey(newSignerKey(name, seedOf(label), SIG_ED25519));
}

/** witnessSigner is a deterministic cosignature/v1 (0x04) signer named `name`. */
export function witnessSigner(name: string, label = name): Signer {
  return parseSignerKey(newSignerKey(name, seedOf(label), SIG_COSIGNATURE_V1));
}

/** fromHexLoose decodes hex for test data. */
export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

/** codeOf runs fn and returns the RunproofError code it throws, or 'OK'. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'OK';
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? code : `plain Error: ${(e as Error).message}`;
  }
}
