/**
 * `runproof/client` — declare AI runs to a runproof log from application code.
 *
 * - {@link declare}: submit one declaration, get back a receipt verified against your trust root;
 * - {@link runproofFetch}: a `fetch` for the OpenAI and Anthropic SDKs that declares every
 *   inference call before the provider sees it;
 * - {@link directoryStore}: keep declarations and receipts as files.
 *
 * See docs/client.md.
 *
 * Importing it makes node:crypto the first Ed25519 check of this process (a receipt's new
 * checkpoint costs ≈ 0.1 ms instead of ≈ 1.2 ms); verdicts are the pure core's either way.
 */
import { installNativeEd25519 } from '../node-shared/native-ed25519.js';

installNativeEd25519();

export { declare, type DeclareOptions, type Declared, type SubmitMode } from './declare.js';
export { runproofFetch, IDENTITY_HEADER, STATUS_HEADER, type RunproofFetchOptions, type DeclaredInfo } from './fetch.js';
export { directoryStore, storeFileName, type ReceiptStore } from './store.js';
export { REFUSAL_TYPE } from './refusal.js';
export type { TrustOptions } from './trust.js';
export { RunproofError, isRunproofError, type ErrorCode } from '../src/errors.js';
