/**
 * The OpenAPI 3.1 description of the log's HTTP API, served at `GET /openapi.json`. It is built
 * from the server's limits so the numbers it states are the ones enforced.
 */

/** Limits stated in the description. */
export interface OpenApiLimits {
  maxBodyBytes: number;
  maxBatchItems: number;
}

const errorRef = { $ref: '#/components/schemas/Error' };
const json = (schema: object) => ({ 'application/json': { schema } });
const err = (description: string) => ({ description, content: json(errorRef) });
const text = (description: string) => ({ description, content: { 'text/plain; charset=utf-8': { schema: { type: 'string' } } } });
const binary = (description: string) => ({ description, content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } });

const submitErrors = {
  '400': err('Malformed JSON (JSON_* codes), bad identity (IDENTITY_MALFORMED) or bad request shape (MALFORMED_REQUEST).'),
  '401': err('A bearer token is required (UNAUTHORIZED).'),
  '403': err('The bearer token is not accepted (FORBIDDEN).'),
  '413': err('The body is too large (TOO_LARGE, JSON_TOO_LARGE), or too many batch items.'),
  '415': err('Content-Type is not application/json (UNSUPPORTED_MEDIA_TYPE).'),
  '422': err('The declaration violates run-declaration/v1 (DECLARATION_INVALID); `path` names the fault.'),
  '429': err('Too many submissions from this client (RATE_LIMITED); see Retry-After.'),
  '503': err('The log is overloaded or its storage failed (UNAVAILABLE); nothing was stored; see Retry-After.'),
};

const waitParam = {
  name: 'wait',
  in: 'query',
  required: false,
  description:
    'With "cosigned", answer only once the configured witness quorum cosigned the checkpoint, or when the witness timeout passed: then still 200 with the receipt and whatever cosignatures arrived, and quorum.met = false.',
  schema: { type: 'string', enum: ['cosigned'] },
};

const tileNote = 'N is written in 3-digit groups, all but the last prefixed with x (1234067 → x001/x234/067); W is 1..255 for partial tiles (c2sp.org/tlog-tiles).';

/** openApiDocument returns the OpenAPI 3.1 document of the log API. */
export function openApiDocument(limits: OpenApiLimits): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'runproof log',
      version: '0.1.0',
      description:
        'A transparency log of AI run declarations. The read side is c2sp.org/tlog-tiles; submissions answer with a c2sp.org/tlog-proof receipt once the entry is committed under a signed checkpoint.',
    },
    paths: {
      '/checkpoint': {
        get: {
          summary: 'Latest signed checkpoint (c2sp.org/tlog-checkpoint) with the witness cosignatures gathered so far.',
          responses: { '200': text('A signed note.') },
        },
      },
      '/tile/{L}/{N}': {
        get: {
          summary: 'A full Merkle hash tile (256 hashes, 8192 bytes).',
          description: tileNote,
          parameters: [
            { name: 'L', in: 'path', required: true, schema: { type: 'string', pattern: '^(0|[1-9][0-9]?)$' } },
            { name: 'N', in: 'path', required: true, schema: { type: 'string' } },
          ],
          responses: { '200': binary('Concatenated 32-byte hashes.'), '400': err('Malformed tile path (MALFORMED_TILE_PATH).'), '404': err('The tile is beyond the tree (NOT_FOUND).') },
        },
      },
      '/tile/{L}/{N}.p/{W}': {
        get: {
          summary: 'A partial Merkle hash tile of W hashes.',
          description: tileNote,
          parameters: [
            { name: 'L', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'N', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'W', in: 'path', required: true, schema: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' } },
          ],
          responses: { '200': binary('W·32 bytes.'), '400': err('Malformed tile path.'), '404': err('Beyond the tree.') },
        },
      },
      '/tile/entries/{N}': {
        get: {
          summary: 'A full entry bundle: 256 entries, each a big-endian uint16 length then the 41-byte entry.',
          description: tileNote,
          parameters: [{ name: 'N', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': binary('Entry bundle.'), '400': err('Malformed path.'), '404': err('Beyond the tree.') },
        },
      },
      '/tile/entries/{N}.p/{W}': {
        get: {
          summary: 'A partial entry bundle of W entries.',
          description: tileNote,
          parameters: [
            { name: 'N', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'W', in: 'path', required: true, schema: { type: 'string' } },
          ],
          responses: { '200': binary('Entry bundle.'), '400': err('Malformed path.'), '404': err('Beyond the tree.') },
        },
      },
      '/v1/declarations': {
        post: {
          summary: 'Submit a run declaration (run-declaration/v1); answers once it is logged.',
          parameters: [waitParam],
          requestBody: { required: true, description: `At most ${limits.maxBodyBytes} bytes.`, content: json({ type: 'object', description: 'A run-declaration/v1 value (see docs: declaration-v1.schema.json).', required: ['schema', 'api', 'model', 'parameters', 'context'] }) },
          responses: { '200': { description: 'Logged (or already logged: duplicate=true).', content: json({ $ref: '#/components/schemas/SubmitResult' }) }, ...submitErrors },
        },
      },
      '/v1/identities': {
        post: {
          summary: 'Submit only an identity (the log cannot validate a declaration it does not see).',
          parameters: [waitParam],
          requestBody: { required: true, content: json({ $ref: '#/components/schemas/IdentityItem' }) },
          responses: { '200': { description: 'Logged.', content: json({ $ref: '#/components/schemas/SubmitResult' }) }, ...submitErrors },
        },
      },
      '/v1/batch': {
        post: {
          summary: `Submit up to ${limits.maxBatchItems} declarations and/or identities; one result per item, a bad item does not sink the others.`,
          parameters: [
            waitParam,
            {
              name: 'receipts',
              in: 'query',
              required: false,
              description: 'With "false", results carry no receipt (still answered only after the commit); fetch receipts later from /v1/identities/{hex}.',
              schema: { type: 'string', enum: ['true', 'false'] },
            },
          ],
          requestBody: {
            required: true,
            description: `At most ${limits.maxBodyBytes} bytes and ${limits.maxBatchItems} items.`,
            content: json({
              type: 'object',
              additionalProperties: false,
              required: ['items'],
              properties: {
                items: {
                  type: 'array',
                  maxItems: limits.maxBatchItems,
                  items: { oneOf: [{ $ref: '#/components/schemas/DeclarationItem' }, { $ref: '#/components/schemas/IdentityItem' }] },
                },
              },
            }),
          },
          responses: {
            '200': {
              description: 'One result per item, in order.',
              content: json({
                type: 'object',
                required: ['results'],
                properties: { results: { type: 'array', items: { oneOf: [{ $ref: '#/components/schemas/SubmitResult' }, errorRef] } } },
              }),
            },
            ...submitErrors,
          },
        },
      },
      '/v1/identities/{hex}': {
        get: {
          summary: 'Look up an identity: its entry and a fresh receipt against the latest checkpoint.',
          parameters: [{ name: 'hex', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{64}$' } }],
          responses: {
            '200': { description: 'Found.', content: json({ $ref: '#/components/schemas/LookupResult' }) },
            '400': err('Not 64 lowercase hex digits (IDENTITY_MALFORMED).'),
            '404': err('Never logged (NOT_FOUND).'),
          },
        },
      },
      '/v1/proofs/consistency': {
        get: {
          summary: 'RFC 9162 consistency proof between two tree sizes, one base64 hash per line.',
          parameters: [
            { name: 'old', in: 'query', required: true, schema: { type: 'string', pattern: '^[1-9][0-9]*$' } },
            { name: 'new', in: 'query', required: true, schema: { type: 'string', pattern: '^[1-9][0-9]*$' } },
          ],
          responses: {
            '200': text('Proof lines (empty when old = new).'),
            '400': err('Missing, repeated or non-canonical sizes, or old > new (MALFORMED_REQUEST).'),
            '404': err('new is larger than the log (NOT_FOUND).'),
          },
        },
      },
      '/healthz': { get: { summary: 'Liveness and tree size.', responses: { '200': { description: 'OK', content: json({ type: 'object', properties: { status: { const: 'ok' }, size: { type: 'integer' } } }) } } } },
      '/metrics': { get: { summary: 'Prometheus metrics.', responses: { '200': text('Prometheus text exposition format.') } } },
      '/openapi.json': { get: { summary: 'This document.', responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } } },
    },
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, path: { type: 'string', description: 'JSON path or parameter at fault.' } },
            },
          },
        },
        DeclarationItem: { type: 'object', additionalProperties: false, required: ['declaration'], properties: { declaration: { type: 'object' } } },
        IdentityItem: {
          type: 'object',
          additionalProperties: false,
          required: ['identity'],
          properties: { identity: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' } },
        },
        SubmitResult: {
          type: 'object',
          required: ['identity', 'index', 'timestamp', 'duplicate', 'receipt'],
          properties: {
            identity: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
            index: { type: 'integer', minimum: 0 },
            timestamp: { type: 'integer', description: 'Entry time, ms since the Unix epoch.' },
            duplicate: { type: 'boolean' },
            receipt: { type: 'string', description: 'c2sp.org/tlog-proof@v1 text; save as <name>.tlog-proof.' },
            quorum: {
              type: 'object',
              description: 'Only with ?wait=cosigned: the witness cosignatures asked for, and whether the receipt carries them.',
              required: ['required', 'met'],
              properties: { required: { type: 'integer', minimum: 0 }, met: { type: 'boolean' } },
            },
          },
        },
        LookupResult: {
          type: 'object',
          required: ['identity', 'index', 'timestamp', 'receipt'],
          properties: { identity: { type: 'string' }, index: { type: 'integer' }, timestamp: { type: 'integer' }, receipt: { type: 'string' } },
        },
      },
    },
  };
}
