/**
 * The run-declaration/v1 schema (docs/declaration-v1.schema.json, JSON Schema 2020-12; docs/specification.md §3),
 * checked by hand: a closed envelope (`additionalProperties: false` on the declaration, `model`,
 * `context`, content and document references), required members, `const`/`enum`, patterns,
 * `minLength`/`minItems`/`minProperties`, and `size` an integer in 0..2^53−1. Payloads
 * (`parameters`, `instructions`, `context.messages`, `tools` items, `extensions` values) are
 * free JSON. Because the envelope is closed, every declaration-level key is one of the ASCII
 * snake_case names below.
 *
 * The validator stops at the first fault, in document order of the checks below, and reports it
 * as DECLARATION_INVALID with the JSON path and the schema rule that failed.
 */
import { RunproofError } from '../errors.js';
import { jsonPath, type JsonObject, type JsonValue } from '../json/strict.js';

/** The `schema` value of this format version. */
export const DECLARATION_SCHEMA = 'run-declaration/v1';

/** The wire dialects a declaration's payloads may be written in. */
const DECLARATION_APIS = ['openai.chat_completions', 'openai.responses', 'anthropic.messages', 'generic'] as const;

/** A wire dialect; see {@link DECLARATION_APIS}. */
export type DeclarationApi = (typeof DECLARATION_APIS)[number];

/** A content-addressed blob: `sha256:<hex>` of the exact bytes, their media type and length. */
export interface ContentRef {
  digest: string;
  media_type: string;
  size: number;
}

/** A document composed into the context, in order. */
export interface DocumentRef extends ContentRef {
  name?: string;
  provider_file_id?: string;
}

/** A typed view of a valid run-declaration/v1 value. */
export interface Declaration {
  schema: typeof DECLARATION_SCHEMA;
  api: DeclarationApi;
  api_version?: string;
  model: { provider: string; name: string; revision?: string; weights?: ContentRef };
  parameters: JsonObject;
  instructions?: JsonValue;
  context: { messages?: JsonValue; documents?: DocumentRef[] };
  tools?: JsonValue[];
  salt?: string;
  extensions?: JsonObject;
}

/** Pattern of `model.provider`: a lowercase dotted/dashed token. */
const PROVIDER_PATTERN = /^[a-z0-9]+([._-][a-z0-9]+)*$/;
/** Pattern of `salt`: base64url, at least 22 characters (16 bytes). */
const SALT_PATTERN = /^[A-Za-z0-9_-]{22,}$/;
/** Pattern of `extensions` member names: reverse DNS, optional `/vN`. */
const EXTENSION_NAME_PATTERN = /^[a-z0-9]+(\.[a-z0-9-]+)+(\/v[0-9]+)?$/;
/** Pattern of a content digest. */
const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
/** Pattern of a media type (`type/subtype`, lowercase, RFC 6838 restricted names). */
const MEDIA_TYPE_PATTERN = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

type Path = (string | number)[];

function invalid(path: Path, rule: string): never {
  throw new RunproofError('DECLARATION_INVALID', `declaration: ${rule}`, { path: jsonPath(path) });
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Checks `type: object`, `additionalProperties: false` and `required`. */
function closedObject(v: JsonValue, path: Path, allowed: readonly string[], required: readonly string[]): JsonObject {
  if (!isObject(v)) invalid(path, `must be an object (type object), not ${typeName(v)}`);
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) invalid([...path, k], `is not allowed (additionalProperties: false; allowed: ${allowed.join(', ')})`);
  }
  for (const k of required) {
    if (!Object.hasOwn(v, k)) invalid([...path, k], 'is required');
  }
  return v;
}

function string(v: JsonValue, path: Path): string {
  if (typeof v !== 'string') invalid(path, `must be a string (type string), not ${typeName(v)}`);
  return v;
}

function nonEmptyString(v: JsonValue, path: Path): void {
  if (string(v, path).length === 0) invalid(path, 'must not be empty (minLength 1)');
}

function matching(v: JsonValue, path: Path, pattern: RegExp): void {
  if (!pattern.test(string(v, path))) invalid(path, `must match ${pattern.source}`);
}

function contentRef(v: JsonValue, path: Path, document: boolean): void {
  const allowed = document ? ['name', 'digest', 'media_type', 'size', 'provider_file_id'] : ['digest', 'media_type', 'size'];
  const o = closedObject(v, path, allowed, ['digest', 'media_type', 'size']);
  if (o.name !== undefined) nonEmptyString(o.name, [...path, 'name']);
  matching(o.digest!, [...path, 'digest'], DIGEST_PATTERN);
  matching(o.media_type!, [...path, 'media_type'], MEDIA_TYPE_PATTERN);
  const size = o.size!;
  // JSON Schema "integer": a number with no fractional part.
  if (typeof size !== 'number' || !Number.isInteger(size)) invalid([...path, 'size'], `must be an integer (type integer), not ${typeName(size)}`);
  if (size < 0 || size > Number.MAX_SAFE_INTEGER) invalid([...path, 'size'], 'must be between 0 and 9007199254740991 (minimum/maximum)');
  if (o.provider_file_id !== undefined) nonEmptyString(o.provider_file_id, [...path, 'provider_file_id']);
}

const TOP_KEYS = ['schema', 'api', 'api_version', 'model', 'parameters', 'instructions', 'context', 'tools', 'salt', 'extensions'];
const TOP_REQUIRED = ['schema', 'api', 'model', 'parameters', 'context'];

/**
 * validateDeclaration checks a parsed value against run-declaration/v1 and returns it typed.
 * The value is returned as is (not copied).
 * @throws RunproofError DECLARATION_INVALID with the path and rule of the first fault
 */
export function validateDeclaration(value: JsonValue): Declaration {
  const d = closedObject(value, [], TOP_KEYS, TOP_REQUIRED);
  if (d.schema !== DECLARATION_SCHEMA) invalid(['schema'], `must be "${DECLARATION_SCHEMA}" (const)`);
  if (!(DECLARATION_APIS as readonly JsonValue[]).includes(d.api!)) invalid(['api'], `must be one of ${DECLARATION_APIS.join(', ')} (enum)`);
  if (d.api_version !== undefined) nonEmptyString(d.api_version, ['api_version']);

  const model = closedObject(d.model!, ['model'], ['provider', 'name', 'revision', 'weights'], ['provider', 'name']);
  matching(model.provider!, ['model', 'provider'], PROVIDER_PATTERN);
  nonEmptyString(model.name!, ['model', 'name']);
  if (model.revision !== undefined) nonEmptyString(model.revision, ['model', 'revision']);
  if (model.weights !== undefined) contentRef(model.weights, ['model', 'weights'], false);

  if (!isObject(d.parameters)) invalid(['parameters'], `must be an object (type object), not ${typeName(d.parameters!)}`);

  const context = closedObject(d.context!, ['context'], ['messages', 'documents'], []);
  if (context.documents !== undefined) {
    const docs = context.documents;
    if (!Array.isArray(docs)) invalid(['context', 'documents'], `must be an array (type array), not ${typeName(docs)}`);
    if (docs.length === 0) invalid(['context', 'documents'], 'must not be empty (minItems 1)');
    docs.forEach((doc, i) => contentRef(doc, ['context', 'documents', i], true));
  }

  if (d.tools !== undefined && !Array.isArray(d.tools)) invalid(['tools'], `must be an array (type array), not ${typeName(d.tools)}`);
  if (d.salt !== undefined) matching(d.salt, ['salt'], SALT_PATTERN);
  if (d.extensions !== undefined) {
    const ext = d.extensions;
    if (!isObject(ext)) invalid(['extensions'], `must be an object (type object), not ${typeName(ext)}`);
    const names = Object.keys(ext);
    if (names.length === 0) invalid(['extensions'], 'must not be empty (minProperties 1)');
    for (const k of names) {
      if (!EXTENSION_NAME_PATTERN.test(k)) invalid(['extensions', k], `member name must match ${EXTENSION_NAME_PATTERN.source} (propertyNames)`);
    }
  }
  return d as unknown as Declaration;
}
