/**
 * runproof/core — the pure core as one entry point (package.json `exports["./core"]`).
 *
 * Everything here is free of I/O, clocks and randomness, so it runs unchanged in Node and in
 * browsers: strict JSON and RFC 8785, run declarations and identities, request mappers, RFC 6962
 * Merkle math and C2SP tlog-tiles, signed notes, checkpoints, cosignatures, entries, receipts
 * (tlog-proof) and trust policies. docs/architecture.md describes each module.
 */
export * from './errors.js';
export * from './encoding/base64.js';
export * from './encoding/decimal.js';
export * from './encoding/hex.js';
export * from './encoding/utf8.js';
export * from './json/value.js';
export * from './json/strict.js';
export * from './json/limits.js';
export * from './json/canonical.js';
export * from './json/canonical-parsed.js';
export * from './declaration/schema.js';
export * from './declaration/identity.js';
export * from './declaration/mappers.js';
export * from './declaration/media.js';
export * from './merkle/bits.js';
export * from './merkle/hash.js';
export * from './merkle/sha256-block.js';
export * from './merkle/tree.js';
export * from './merkle/proof.js';
export * from './merkle/tiles.js';
export * from './merkle/bundle.js';
export * from './note/ed25519.js';
export * from './note/keys.js';
export * from './note/note.js';
export * from './note/checkpoint.js';
export * from './note/cosignature.js';
export * from './note/entry.js';
export * from './note/entry-rules.js';
export * from './note/tlog-proof.js';
export * from './note/tlog-witness.js';
export * from './note/policy.js';
export * from './receipt/verify.js';
