/**
 * `runproof/client` — declare AI runs to a runproof log from application code.
 *
 * - {@link declare}: submit one declaration, get back a receipt verified against your trust root;
 * - {@link runproofFetch}: a `fetch` for the OpenAI and Anthropic SDKs that declares every
 *   inference call before the provider sees it;
 * - {@link directoryStore}: keep declarations and receipts as files.
 *
 * See docs/client.md.
 */
export { declare, type DeclareOptions, type Declared, type SubmitMode } from './declare.js';
export { runproofFetch, IDENTITY_HEADER, STATUS_HEADER, type RunproofFetchOptions, type DeclaredInfo } from './fetch.js';
export { directoryStore, storeFileName, type ReceiptStore } from './store.js';
export { REFUSAL_TYPE } from './refusal.js';
export type { TrustOptions } from './trust.js';
export { RunproofError, isRunproofError, type ErrorCode } from '../src/errors.js';
