/**
 * Request mappers — the mapping table of docs/specification.md §4: a pure
 * function from the HTTP request body as sent (plus the provider name, a few headers and
 * operator extras) to a run-declaration/v1 value.
 *
 * `model` → `model.name`; the conversation field → `context.messages`; the separate system
 * channel → `instructions`; a `tools` array → `tools`; EXCLUDE fields are dropped; every other
 * field → `parameters`, verbatim under its wire name (default is include, so new provider fields
 * enter the identity). Values are never normalised, with one exception: credential-bearing
 * fields (MCP headers and tokens) are replaced by {@link CREDENTIAL_MARKER}, so a secret never
 * enters a declaration. References to provider-held state (`previous_response_id`,
 * `conversation`, `container`, file ids, …) are declared as sent; a previous response that was
 * itself declared is also named by its run identity (the {@link CHAIN_EXTENSION} extension).
 * An opt-in mode replaces inline media by content references (media.ts).
 *
 * A body without a conversation field maps to `context: {}` — the schema requires `context`
 * and allows it empty, and inventing `messages: []` would declare something the client never
 * sent (absent ≠ empty).
 */
import { RunproofError } from '../errors.js';
import { toBase64Url } from '../encoding/base64.js';
import { parseStrictJson, type JsonObject, type JsonValue } from '../json/strict.js';
import { canonicalBytes } from '../json/canonical.js';
import { checkCanonicalSize, checkNesting } from '../json/limits.js';
import { parseIdentity } from './identity.js';
import { replaceInlineMedia, type MediaReferenceOptions } from './media.js';
import { validateDeclaration, DECLARATION_SCHEMA, type ContentRef, type Declaration, type DeclarationApi, type DocumentRef } from './schema.js';

/** A provider request dialect that can be mapped. */
export type RequestApi = 'openai-chat' | 'openai-responses' | 'anthropic';

/** Operator-supplied fields, added to the declaration only when given. */
export interface MappingExtras {
  revision?: string;
  weights?: ContentRef;
  documents?: DocumentRef[];
  extensions?: JsonObject;
}

/** Options for {@link mapRequest}. */
export interface MapRequestOptions {
  /** `model.provider`: who serves the model, from configuration. */
  provider: string;
  /** HTTP request headers (names case-insensitive); only Anthropic's are read. */
  headers?: Record<string, string>;
  /** `'auto'` (default): 16 random bytes as base64url; `'none'`: no salt; otherwise the salt itself. */
  salt?: 'auto' | 'none' | string;
  /** Source of random bytes for `salt: 'auto'` (src/ has no randomness of its own). */
  randomBytes?: (n: number) => Uint8Array;
  extras?: MappingExtras;
  /** Largest request body accepted, in UTF-8 bytes (default: the declaration limit). */
  maxBodyBytes?: number;
  /** Opt-in: replace inline base64 media of at least `minBytes` bytes by content references. */
  mediaReferences?: MediaReferenceOptions;
  /**
   * The run identity declared for an earlier provider response id, if known (e.g. from a
   * receipt store); names the run a Responses `previous_response_id` continues.
   */
  previousIdentity?: (responseId: string) => string | undefined;
}

interface Dialect {
  api: DeclarationApi;
  conversation: string;
  system?: string;
  exclude: readonly string[];
  /** Credential-bearing members of the elements of a top-level array field. */
  credentials: Readonly<Record<string, readonly string[]>>;
}

/** What a credential's value is replaced by: fixed, so the same request maps to the same identity. */
export const CREDENTIAL_MARKER = '[credential removed by runproof]';
/** The extension naming the declared run a request continues: `{previous_response_id, identity}`. */
export const CHAIN_EXTENSION = 'org.runproof.chain/v1';

// The mapping table of docs/specification.md §4.
const CHAT_EXCLUDE = [
  'stream', 'stream_options', 'store', 'metadata', 'user', 'safety_identifier', 'service_tier',
  'prompt_cache_key', 'prompt_cache_retention', 'prompt_cache_options',
];
const DIALECTS: Record<RequestApi, Dialect> = {
  'openai-chat': { api: 'openai.chat_completions', conversation: 'messages', exclude: CHAT_EXCLUDE, credentials: {} },
  'openai-responses': {
    api: 'openai.responses',
    conversation: 'input',
    system: 'instructions',
    exclude: [...CHAT_EXCLUDE, 'background', 'include'],
    // MCP tools: `headers` (every value; "use for authentication") and `authorization` (an OAuth token).
    credentials: { tools: ['headers', 'authorization'] },
  },
  anthropic: {
    api: 'anthropic.messages',
    conversation: 'messages',
    system: 'system',
    exclude: ['stream', 'metadata', 'service_tier', 'inference_geo'],
    // MCP connector servers (beta `mcp_servers`): `authorization_token`.
    credentials: { mcp_servers: ['authorization_token'] },
  },
};

/** The request dialects {@link mapRequest} knows. */
export const REQUEST_APIS = Object.keys(DIALECTS) as RequestApi[];

/** mapperApiName gives the declaration `api` value of a request dialect. */
export function mapperApiName(api: RequestApi): DeclarationApi {
  return DIALECTS[api].api;
}

/** Sets a member as own data, also for the name `__proto__` (plain assignment would change the prototype). */
function put(obj: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * Reads headers case-insensitively. Names that differ only in case are one header given more
 * than once; their values combine, in the order given, joined with ", " (RFC 9110 §5.3) — what a
 * fetch `Headers` object and the CLI's repeated `--header` flags give too.
 */
function lowerHeaders(headers: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const k = name.toLowerCase();
    const seen = out.get(k);
    out.set(k, seen === undefined ? value : `${seen}, ${value}`);
  }
  return out;
}

/**
 * Anthropic headers (docs/specification.md §4.5): `anthropic-version` → `api_version`, verbatim;
 * `anthropic-beta` → `parameters.betas`, split on commas, trimmed of spaces and tabs, order
 * kept. Empty list elements are ignored, as RFC 9110 §5.6.1 requires of list-valued headers, and
 * a header that yields no element (`""`, `" "`, `","`) counts as absent.
 */
function anthropicHeaders(headers: Map<string, string>, decl: JsonObject, parameters: JsonObject): void {
  const version = headers.get('anthropic-version');
  if (version !== undefined) decl.api_version = version;
  const beta = headers.get('anthropic-beta');
  if (beta === undefined) return;
  // Trim optional whitespace (space and tab, RFC 9110 §5.6.3) — not String.prototype.trim,
  // which also strips Unicode spaces a header value may legitimately hold.
  const betas = beta.split(',').map((b) => b.replace(/^[ \t]+|[ \t]+$/g, '')).filter((b) => b !== '');
  if (betas.length === 0) return;
  if (Object.hasOwn(parameters, 'betas')) {
    throw new RunproofError('MAPPING_INVALID', 'the body has a "betas" field and an anthropic-beta header; refusing to merge them', { path: '$.betas' });
  }
  put(parameters, 'betas', betas);
}

/**
 * removeCredentials replaces, in place, each credential-bearing member of the dialect's table by
 * {@link CREDENTIAL_MARKER}: for an object (`headers`) every member value, otherwise the value
 * itself. A null stays null (it carries no secret); an absent member stays absent.
 */
function removeCredentials(req: JsonObject, dialect: Dialect): void {
  for (const [field, members] of Object.entries(dialect.credentials)) {
    const list = req[field];
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) continue;
      for (const member of members) {
        const value = item[member];
        if (value === undefined || value === null) continue;
        if (typeof value === 'object' && !Array.isArray(value)) {
          for (const name of Object.keys(value)) if (value[name] !== null) put(value, name, CREDENTIAL_MARKER);
        } else {
          put(item, member, CREDENTIAL_MARKER);
        }
      }
    }
  }
}

/** media applies the opt-in media-reference mode to a conversation or instruction value. */
function media(value: JsonValue, opts: MapRequestOptions): JsonValue {
  return opts.mediaReferences === undefined ? value : replaceInlineMedia(value, opts.mediaReferences);
}

/**
 * chainLink names the declared run a Responses request continues: when `previous_response_id`
 * is a string whose run identity `opts.previousIdentity` knows, `{previous_response_id,
 * identity}`; otherwise nothing (the id itself is still declared, in `parameters`).
 */
function chainLink(req: JsonObject, opts: MapRequestOptions): JsonObject | undefined {
  const id = req.previous_response_id;
  if (typeof id !== 'string' || opts.previousIdentity === undefined) return undefined;
  const identity = opts.previousIdentity(id);
  if (identity === undefined) return undefined;
  parseIdentity(identity);
  return { previous_response_id: id, identity };
}

/** Picks the salt (design: a client generates one by default; public runs may opt out). */
function chooseSalt(opts: MapRequestOptions): string | undefined {
  const salt = opts.salt ?? 'auto';
  if (salt === 'none') return undefined;
  if (salt !== 'auto') return salt;
  if (opts.randomBytes === undefined) throw new Error('mapRequest: salt "auto" needs opts.randomBytes');
  const bytes = opts.randomBytes(16);
  if (bytes.length !== 16) throw new Error(`mapRequest: randomBytes(16) returned ${bytes.length} bytes`);
  return toBase64Url(bytes);
}

/**
 * mapRequest maps a raw provider request body to a validated run declaration.
 * The body passes the strict parse (text ≤ `maxBodyBytes`, default 32 MiB; depth ≤ 64) and the
 * result obeys the declaration rules: depth ≤ 64, canonical bytes ≤ 32 MiB (docs/specification.md §4).
 * @throws RunproofError JSON_* (the body is parsed strictly; the result is too deep or too
 *   large), MAPPING_INVALID (not an object, no string `model`, ambiguous headers, a caller
 *   extension the mapper sets), DECLARATION_INVALID (e.g. a bad provider, salt or extras)
 */
export function mapRequest(api: RequestApi, body: Uint8Array | string, opts: MapRequestOptions): Declaration {
  if (!Object.hasOwn(DIALECTS, api)) throw new RunproofError('MAPPING_INVALID', `unknown request dialect ${JSON.stringify(api)}`);
  const dialect = DIALECTS[api];
  const req = parseStrictJson(body, opts.maxBodyBytes !== undefined ? { maxBytes: opts.maxBodyBytes } : {});
  if (typeof req !== 'object' || req === null || Array.isArray(req)) {
    throw new RunproofError('MAPPING_INVALID', 'request body must be a JSON object', { path: '$' });
  }
  if (typeof req.model !== 'string') {
    throw new RunproofError('MAPPING_INVALID', 'request body must have a string "model"', { path: '$.model' });
  }
  removeCredentials(req, dialect);

  const model: JsonObject = { provider: opts.provider, name: req.model };
  const parameters: JsonObject = {};
  const context: JsonObject = {};
  const decl: JsonObject = { schema: DECLARATION_SCHEMA, api: dialect.api, model, parameters, context };
  for (const [key, value] of Object.entries(req)) {
    if (key === 'model' || dialect.exclude.includes(key)) continue;
    if (key === dialect.conversation) context.messages = media(value, opts);
    else if (key === dialect.system) decl.instructions = media(value, opts);
    // The schema's `tools` is an array; any other value the client sent (`null`) is kept
    // verbatim under its wire name, like every other field.
    else if (key === 'tools' && Array.isArray(value)) decl.tools = value;
    else put(parameters, key, value);
  }
  if (api === 'anthropic' && opts.headers !== undefined) anthropicHeaders(lowerHeaders(opts.headers), decl, parameters);

  const extras = opts.extras ?? {};
  if (extras.revision !== undefined) model.revision = extras.revision;
  if (extras.weights !== undefined) model.weights = extras.weights as unknown as JsonObject;
  if (extras.documents !== undefined) context.documents = extras.documents as unknown as JsonValue[];
  const chain = api === 'openai-responses' ? chainLink(req, opts) : undefined;
  if (extras.extensions !== undefined || chain !== undefined) {
    const extensions: JsonObject = { ...extras.extensions };
    if (chain !== undefined) {
      if (Object.hasOwn(extensions, CHAIN_EXTENSION)) {
        throw new RunproofError('MAPPING_INVALID', `extension ${CHAIN_EXTENSION} is set by the mapper; refusing the caller's own`, { path: `$.extensions["${CHAIN_EXTENSION}"]` });
      }
      extensions[CHAIN_EXTENSION] = chain;
    }
    decl.extensions = extensions;
  }
  const salt = chooseSalt(opts);
  if (salt !== undefined) decl.salt = salt;
  // The result obeys the declaration rules, not just the body: a body at depth 64 maps to depth
  // 65 (`messages` moves under `context`, other fields under `parameters`), and canonical bytes can
  // outgrow the text.
  checkNesting(decl);
  const declaration = validateDeclaration(decl);
  checkCanonicalSize(canonicalBytes(decl));
  return declaration;
}

/** The run a declaration continues, as named by its {@link CHAIN_EXTENSION} extension. */
export interface ChainLink {
  previous_response_id: string;
  identity: string;
}

/**
 * chainLinkOf reads the {@link CHAIN_EXTENSION} extension of a declaration: undefined when it has
 * none, the link when it is well formed.
 * @throws RunproofError DECLARATION_INVALID for a malformed link, IDENTITY_MALFORMED
 */
export function chainLinkOf(declaration: Declaration): ChainLink | undefined {
  const ext = declaration.extensions;
  if (ext === undefined || !Object.hasOwn(ext, CHAIN_EXTENSION)) return undefined;
  const link = ext[CHAIN_EXTENSION];
  const path = `$.extensions["${CHAIN_EXTENSION}"]`;
  if (link === null || typeof link !== 'object' || Array.isArray(link) || Object.keys(link).length !== 2 || typeof link.previous_response_id !== 'string' || typeof link.identity !== 'string') {
    throw new RunproofError('DECLARATION_INVALID', `${CHAIN_EXTENSION} must be {previous_response_id, identity}, both strings`, { path });
  }
  parseIdentity(link.identity);
  return { previous_response_id: link.previous_response_id, identity: link.identity };
}
