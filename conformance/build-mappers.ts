/**
 * Mapper vectors (docs/specification.md §4): a request body, the dialect, provider, salt and
 * headers → the declaration's canonical bytes and identity, or the refusal code and path.
 */
import { MAX_DECLARATION_BYTES } from '../src/json/limits.js';
import type { Input } from './input.js';
import { mapperOutcome, type MapperOptions } from './outcome.js';
import { expectAccepted, expectRefusal } from './expect.js';

const EXAMPLE_1 =
  '{"model":"gpt-4o-2024-08-06","messages":[{"role":"developer","content":"You are a contracts assistant. Answer only from the quoted clause. Reply in JSON."},{"role":"user","content":"Clause 7.2: \\"Either party may terminate on 30 days\' written notice.\\"\\nQuestion: what is the notice period?"}],"temperature":0.2,"top_p":1,"seed":42,"max_completion_tokens":512,"stop":["\\n\\nEND"],"response_format":{"type":"json_schema","json_schema":{"name":"answer","strict":true,"schema":{"type":"object","properties":{"notice_days":{"type":"integer"},"quote":{"type":"string"}},"required":["notice_days","quote"],"additionalProperties":false}}},"tools":[{"type":"function","function":{"name":"lookup_clause","description":"Fetch the full text of a clause by its number","parameters":{"type":"object","properties":{"number":{"type":"string"}},"required":["number"],"additionalProperties":false},"strict":true}}],"tool_choice":"auto","parallel_tool_calls":false,"stream":true,"store":false,"metadata":{"ticket":"T-1001"},"user":"u_123"}';

const chat: MapperOptions = { api: 'openai-chat', provider: 'openai', salt: 'none' };
const responses: MapperOptions = { api: 'openai-responses', provider: 'openai', salt: 'none' };
const anthropic: MapperOptions = { api: 'anthropic', provider: 'anthropic', salt: 'none' };
const withHeaders = (headers: Record<string, string>): MapperOptions => ({ ...anthropic, headers });
const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);

/** Accepted mappings: [name, options, body]. */
const ACCEPTED: [string, MapperOptions, string][] = [
  ['example 1 of the specification', chat, EXAMPLE_1],
  ['chat: every EXCLUDE field is dropped', chat, '{"model":"m","stream":true,"stream_options":{},"store":true,"metadata":{},"user":"u","safety_identifier":"s","service_tier":"auto","prompt_cache_key":"k","prompt_cache_retention":"24h","prompt_cache_options":{},"n":2}'],
  ['chat: no messages gives context {}', chat, '{"model":"m"}'],
  ['chat: nulls and empty values are kept', chat, '{"model":"m","messages":[],"temperature":null,"stop":""}'],
  ['chat: a "system"-named field is just a parameter', chat, '{"model":"m","system":"s"}'],
  ['chat: tools null is a parameter', chat, '{"model":"m","tools":null}'],
  ['chat: headers are ignored', { ...chat, headers: { 'anthropic-version': 'x' } }, '{"model":"m"}'],
  ['chat: a salt is added', { ...chat, salt: 'tO7nKM7HsoXOm5L5x-JPSA' }, '{"model":"m"}'],
  ['responses: input and instructions', responses, '{"model":"m","input":"hi","instructions":{"x":1},"background":false,"include":[],"previous_response_id":"resp_1"}'],
  ['anthropic: system to instructions', anthropic, '{"model":"m","system":[{"type":"text","text":"s"}],"messages":[{"role":"user","content":"q"}],"max_tokens":5,"stream":false,"metadata":{},"service_tier":"auto","inference_geo":"us"}'],
  ['anthropic: version and betas', withHeaders({ 'Anthropic-Version': '2023-06-01', 'ANTHROPIC-BETA': ' b2 ,a1,, c3 ' }), '{"model":"m"}'],
  ['anthropic: betas trimmed of spaces and tabs only', withHeaders({ 'anthropic-beta': '\ta1 ,\u00a0b2' }), '{"model":"m"}'],
  ['anthropic: a header given twice combines in order', withHeaders({ 'anthropic-beta': 'x', 'Anthropic-Beta': 'y,z', 'anthropic-version': 'a', 'ANTHROPIC-VERSION': 'b' }), '{"model":"m"}'],
  ['anthropic: a beta header yielding no element is absent (body betas kept)', withHeaders({ 'anthropic-beta': ' ,\t, ' }), '{"model":"m","betas":["x"]}'],
  ['anthropic: an empty beta header is absent', withHeaders({ 'anthropic-beta': '' }), '{"model":"m","betas":["x"]}'],
  ['anthropic: body betas without a header', anthropic, '{"model":"m","betas":["x"]}'],
  ['the system channel at body depth 64 stays at depth 64', anthropic, `{"model":"m","system":${nested(63)}}`],
  ['a parameter at body depth 63 maps to depth 64', chat, `{"model":"m","p":${nested(62)}}`],
  ['conversation at depth 63 maps to depth 64', chat, `{"model":"m","messages":${nested(62)}}`],
];

/** Refusals: [name, options, body, code, path]. */
const REFUSED: [string, MapperOptions, Input, string, string | undefined][] = [
  ['body not an object', chat, { text: '[]' }, 'MAPPING_INVALID', '$'],
  ['body null', chat, { text: 'null' }, 'MAPPING_INVALID', '$'],
  ['no model', anthropic, { text: '{}' }, 'MAPPING_INVALID', '$.model'],
  ['model not a string', anthropic, { text: '{"model":1}' }, 'MAPPING_INVALID', '$.model'],
  ['model empty', anthropic, { text: '{"model":""}' }, 'DECLARATION_INVALID', '$.model.name'],
  ['body is parsed strictly', chat, { text: '{"model":"m","seed":9007199254740993}' }, 'JSON_UNSAFE_INTEGER', '$.seed'],
  ['body duplicate', chat, { text: '{"model":"m","model":"n"}' }, 'JSON_DUPLICATE_KEY', '$.model'],
  ['body BOM', chat, { hex: 'efbbbf7b7d' }, 'JSON_BOM', '$'],
  ['bad provider', { ...chat, provider: 'OpenAI' }, { text: '{"model":"m"}' }, 'DECLARATION_INVALID', '$.model.provider'],
  ['bad salt', { ...chat, salt: 'short' }, { text: '{"model":"m"}' }, 'DECLARATION_INVALID', '$.salt'],
  ['body betas and a beta header', withHeaders({ 'anthropic-beta': 'y' }), { text: '{"model":"m","betas":["x"]}' }, 'MAPPING_INVALID', '$.betas'],
  ['empty anthropic-version', withHeaders({ 'anthropic-version': '' }), { text: '{"model":"m"}' }, 'DECLARATION_INVALID', '$.api_version'],
  ['body of depth 64 whose conversation maps to depth 65', chat, { text: `{"model":"m","messages":${nested(63)}}` }, 'JSON_TOO_DEEP', '$.context.messages' + '[0]'.repeat(62)],
  ['body of depth 64 whose parameter maps to depth 65', chat, { text: `{"model":"m","p":${nested(63)}}` }, 'JSON_TOO_DEEP', '$.parameters.p' + '[0]'.repeat(62)],
  ['body of depth 65', chat, { text: `{"model":"m","p":${nested(64)}}` }, 'JSON_TOO_DEEP', '$.p' + '[0]'.repeat(63)],
  [
    'body within 32 MiB whose declaration\'s canonical form is over 32 MiB',
    chat,
    { build: [{ text: '{"model":"m","n":[' + Array(24).fill('1e15').join(',') + '],"s":"' }, { repeat: 'a', times: MAX_DECLARATION_BYTES - 300 }, { text: '"}' }] },
    'JSON_TOO_LARGE',
    '$',
  ],
];

/** buildMapperVectors returns the mapper vector file's content. */
export function buildMapperVectors() {
  const vectors: object[] = [];
  for (const [name, options, body] of ACCEPTED) {
    const input: Input = { text: body };
    vectors.push({ name, options, body: input, expect: expectAccepted(name, mapperOutcome(options, input)) });
  }
  for (const [name, options, body, code, path] of REFUSED) {
    vectors.push({ name, options, body, expect: expectRefusal(name, mapperOutcome(options, body), code, path) });
  }
  return {
    description: 'Mapper vectors: docs/specification.md §4. options.api is the request dialect (openai-chat, openai-responses, anthropic), options.provider the model.provider, options.salt "none" or the salt itself, options.headers the request headers as a name → value object (names differing only in case are one repeated header, in the order given).',
    vectors,
  };
}
