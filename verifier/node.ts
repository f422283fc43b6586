/**
 * `runproof/node` — what the runproof library adds in Node only (its main entry, `runproof`, stays
 * browser-safe).
 *
 * - {@link installNativeEd25519}: makes node:crypto the first Ed25519 check of this process, as
 *   the `runproof` commands and `runproof/client` do — ≈ 0.08 ms instead of ≈ 1.1 ms per
 *   signature, which is what a receipt with a new checkpoint costs. Verdicts are the pure
 *   check's either way (docs/verifier.md).
 */
export { installNativeEd25519 } from '../node-shared/native-ed25519.js';
