/**
 * Reading a `POST /v1/batch` body: strict JSON, the `{"items":[…]}` shape, the item count, then
 * each item — a declaration (depth, schema, RFC 8785 canonical form, SHA-256) or an identity —
 * to its 32-byte digest or its error. The same code runs on the main thread (small batches) and
 * on the batch workers (./batch-workers.ts), which must answer byte for byte alike; so it imports
 * nothing of Hono and gives its results as plain, cloneable data.
 */
import { RunproofError } from '../../src/errors.js';
import { parsedDeclarationDigest, parseIdentity } from '../../src/declaration/identity.js';
import { MAX_DECLARATION_DEPTH } from '../../src/json/limits.js';
import { parseStrictJson, type JsonValue } from '../../src/json/strict.js';
import { sha256OfText } from '../sha256-text.js';

/** An item's error as answered (`{"error":{code,message,path}}`; the message without its " (at path)"). */
export interface ItemError {
  code: RunproofError['code'];
  message: string;
  path?: string;
}

/** The items of a batch, read: digests of the accepted ones (in order) and the errors of the rest. */
export interface BatchItems {
  /** How many items the batch has. */
  count: number;
  /** The accepted items' digests, 32 bytes each, in item order. */
  digests: Uint8Array;
  /** `slots[k]` is the item index of the k-th accepted digest. */
  slots: number[];
  /** The refused items, in item order. */
  errors: { slot: number; error: ItemError }[];
}

/** The limits a batch body is read under. */
export interface BatchLimits {
  /** Largest body, bytes (the parser's bound; the body was read under the same one). */
  maxBytes: number;
  /** Most items. */
  maxItems: number;
}

function isObject(v: JsonValue): v is { [k: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** onlyMember returns the value of the single member `name` of an object, else throws. */
export function onlyMember(v: JsonValue, name: string, where: string): JsonValue {
  if (!isObject(v)) throw new RunproofError('MALFORMED_REQUEST', `want a JSON object {"${name}": …}`, { path: where });
  const keys = Object.keys(v);
  if (keys.length !== 1 || keys[0] !== name) {
    throw new RunproofError('MALFORMED_REQUEST', `want exactly one member "${name}"`, { path: where });
  }
  return v[name]!;
}

/** identityMember reads `{"identity":"sha256:…"}`. */
export function identityMember(v: JsonValue, where: string): Uint8Array {
  const id = onlyMember(v, 'identity', where);
  if (typeof id !== 'string') throw new RunproofError('IDENTITY_MALFORMED', 'identity must be a string "sha256:<hex>"', { path: `${where}.identity` });
  try {
    return parseIdentity(id);
  } catch (e) {
    if (e instanceof RunproofError) throw new RunproofError(e.code, e.message, { path: `${where}.identity` });
    throw e;
  }
}

/** Re-roots a JSON path reported inside a batch item's declaration. */
function withinItem(e: unknown, prefix: string): unknown {
  if (!(e instanceof RunproofError) || e.path === undefined || !e.path.startsWith('$')) return e;
  return new RunproofError(e.code, bareMessage(e), { path: prefix + e.path.slice(1) });
}

/** bareMessage is an error's message without the " (at <path>)" the constructor appended. */
export function bareMessage(e: RunproofError): string {
  return e.path !== undefined && e.message.endsWith(` (at ${e.path})`) ? e.message.slice(0, -` (at ${e.path})`.length) : e.message;
}

/**
 * batchItemsOf parses a batch body and returns its items.
 * @throws RunproofError JSON_* (strict parse), MALFORMED_REQUEST (not `{"items":[…]}`), TOO_LARGE (too many items)
 */
export function batchItemsOf(body: Uint8Array, limits: BatchLimits): JsonValue[] {
  // A declaration sits three containers deep ($.items[i].declaration); it may nest 64 deep itself.
  const parsed = parseStrictJson(body, { maxBytes: limits.maxBytes, maxDepth: MAX_DECLARATION_DEPTH + 3 });
  const items = onlyMember(parsed, 'items', '$');
  if (!Array.isArray(items)) throw new RunproofError('MALFORMED_REQUEST', 'items must be an array', { path: '$.items' });
  if (items.length > limits.maxItems) {
    throw new RunproofError('TOO_LARGE', `a batch holds at most ${limits.maxItems} items, got ${items.length}`, { path: '$.items' });
  }
  return items;
}

/**
 * readItems reads each item (straight from {@link batchItemsOf}: the canonical form relies on the
 * strict parser's guarantees) to its digest or its error (a RunproofError of an item refuses that
 * item alone; anything else is a bug and is thrown).
 */
export function readItems(items: readonly JsonValue[]): BatchItems {
  const digests = new Uint8Array(32 * items.length);
  const slots: number[] = [];
  const errors: BatchItems['errors'] = [];
  items.forEach((item, i) => {
    const where = `$.items[${i}]`;
    try {
      let digest: Uint8Array;
      if (isObject(item) && Object.hasOwn(item, 'declaration')) {
        const value = onlyMember(item, 'declaration', where);
        try {
          digest = parsedDeclarationDigest(value, sha256OfText);
        } catch (e) {
          throw withinItem(e, `${where}.declaration`);
        }
      } else {
        digest = identityMember(item, where);
      }
      digests.set(digest, 32 * slots.length);
      slots.push(i);
    } catch (e) {
      if (!(e instanceof RunproofError)) throw e;
      errors.push({ slot: i, error: itemError(e) });
    }
  });
  return { count: items.length, digests: digests.subarray(0, 32 * slots.length), slots, errors };
}

/** readBatch is {@link batchItemsOf} then {@link readItems}: what a batch worker does with a body. */
export function readBatch(body: Uint8Array, limits: BatchLimits): BatchItems {
  return readItems(batchItemsOf(body, limits));
}

/** itemError is the answer form of an item's error (as errorBody in ./errors.ts writes it). */
function itemError(e: RunproofError): ItemError {
  const message = bareMessage(e);
  return e.path !== undefined ? { code: e.code, message, path: e.path } : { code: e.code, message };
}
