/**
 * Identity vectors (docs/specification.md §2, §3, §5, §6): texts that are accepted, with their
 * canonical bytes and identity, and texts that are refused, with the code and path the
 * specification requires. Refusal expectations are written here by hand from the specification;
 * building fails if the reference implementation disagrees with one.
 */
import { MAX_DECLARATION_BYTES } from '../src/json/limits.js';
import { inputOf, type Input, type Piece } from './input.js';
import { identityOutcome, identityTextOutcome, type Accepted, type Refusal } from './outcome.js';
import { expectRefusal, expectAccepted } from './expect.js';

/** One identity vector. */
export interface IdentityVector {
  name: string;
  kind: 'declaration' | 'value';
  input: Input;
  expect: Accepted | Refusal;
}

const MIN = '{"schema":"run-declaration/v1","api":"generic","model":{"provider":"example","name":"m"},"parameters":{},"context":{}}';
const DIGEST = 'sha256:' + '0f'.repeat(32);

/** A minimal declaration with `member` (`"name":value`) added to its parameters. */
const withParam = (member: string) => MIN.replace('"parameters":{}', `"parameters":{${member}}`);
/** The minimal declaration with one top-level replacement. */
const replaced = (from: string, to: string) => {
  if (!MIN.includes(from)) throw new Error(`conformance: ${from} not in the minimal declaration`);
  return MIN.replace(from, to);
};
const withTop = (member: string) => MIN.slice(0, -1) + ',' + member + '}';
const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
const nestedObjects = (n: number) => '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1);
const bytes = (...b: number[]) => ({ hex: b.map((x) => x.toString(16).padStart(2, '0')).join('') });

/** Values (no schema): canonical form and number, string and ordering rules. */
const VALUES: [string, Input][] = [
  ['empty object', { text: '{}' }],
  ['number spelling and escapes vanish', { text: '{"b": [1.0, -0, 1E30], "a": "\\u00e9"}' }],
  ['exponent form below 1e-6 and from 1e21', { text: '[1e21, 1e-7, 123456789.5, 1e-6, 0.000001]' }],
  ['UTF-16 code-unit order, not code-point order', { text: '{"\\ufb33":1,"\\ud83d\\ude02":2,"\\u00e9":3}' }],
  ['key order: shorter prefix first, uppercase before lowercase', { text: '{"ab":1,"a":2,"B":3,"b":4,"":5}' }],
  ['escapes: only " \\ and controls; lowercase \\u00xx', { text: '"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f\\"\\\\\\/\\u007f\\u0080\\u2028\\u2029"' }],
  ['NFC and NFD are different values (NFC)', { text: '"\\u00e9"' }],
  ['NFC and NFD are different values (NFD)', { text: '"e\\u0301"' }],
  ['raw non-ASCII stays as UTF-8', { text: '"日本語 😂 é"' }],
  ['surrogate pair escape is one character', { text: '"\\ud83d\\ude02"' }],
  ['largest safe integers', { text: '[9007199254740991,-9007199254740991]' }],
  ['safe integer written with a fraction', { text: '[9007199254740991.0, 1.5e15, 4.35, 0.1, 1e15]' }],
  ['negative zero becomes 0', { text: '[-0, -0.0, 0e10, -0e-400]' }],
  ['1e21 and above use an exponent', { text: '[1e21, 6.02e23, -1.5e300, 1.7976931348623157e308]' }],
  ['smallest subnormal', { text: '[5e-324, 2.4703282292062328e-324]' }],
  ['RFC 8785 number samples', { text: '[333333333.33333329, 1e23, 9.999999999999997e22, 0.000001, 1e-7, -5e-324, 1.1e21]' }],
  ['every literal', { text: '[null,true,false,"",[],{},0]' }],
  ['whitespace of all four kinds', { text: ' \t\r\n{ "a" :\t[ 1 , 2 ]\r\n} \n' }],
  ['64 nested arrays', { text: nested(64) }],
  ['member named __proto__ is data', { text: '{"__proto__":{"x":1},"constructor":2}' }],
  ['top-level scalar', { text: '"x"' }],
  ['duplicate names in different objects', { text: '[{"a":1},{"a":2}]' }],
];

/** Value refusals: [name, input, code, path]. */
const VALUE_REFUSALS: [string, Input, string, string | undefined][] = [
  ['BOM', bytes(0xef, 0xbb, 0xbf, 0x7b, 0x7d), 'JSON_BOM', '$'],
  ['UTF-8 surrogate code point', bytes(0x22, 0xed, 0xa0, 0x80, 0x22), 'JSON_INVALID_UTF8', '$'],
  ['overlong UTF-8', bytes(0x22, 0xc0, 0x80, 0x22), 'JSON_INVALID_UTF8', '$'],
  ['code point above U+10FFFF', bytes(0x22, 0xf4, 0x90, 0x80, 0x80, 0x22), 'JSON_INVALID_UTF8', '$'],
  ['truncated sequence', bytes(0x22, 0xe2, 0x82, 0x22), 'JSON_INVALID_UTF8', '$'],
  ['lone continuation byte', bytes(0x22, 0x80, 0x22), 'JSON_INVALID_UTF8', '$'],
  ['byte FF', bytes(0x22, 0xff, 0x22), 'JSON_INVALID_UTF8', '$'],
  ['invalid UTF-8 after a syntax error is still INVALID_UTF8 (checked first)', bytes(0x5b, 0x2c, 0x22, 0xff, 0x22, 0x5d), 'JSON_INVALID_UTF8', '$'],
  ['duplicate name', { text: '{"a":1,"a":2}' }, 'JSON_DUPLICATE_KEY', '$.a'],
  ['duplicate name after unescaping', { text: '{"a":1,"\\u0061":2}' }, 'JSON_DUPLICATE_KEY', '$.a'],
  ['nested duplicate', { text: '{"x":[{"b c":1,"b c":2}]}' }, 'JSON_DUPLICATE_KEY', '$.x[0]["b c"]'],
  ['duplicate reported before a later syntax error', { text: '{"a":1,"a":2,}' }, 'JSON_DUPLICATE_KEY', '$.a'],
  ['lone high surrogate', { text: '"\\ud800"' }, 'JSON_LONE_SURROGATE', '$'],
  ['lone low surrogate', { text: '"\\udc00"' }, 'JSON_LONE_SURROGATE', '$'],
  ['high surrogate then a letter', { text: '"\\ud800\\u0041"' }, 'JSON_LONE_SURROGATE', '$'],
  ['reversed pair', { text: '"\\udc00\\ud800"' }, 'JSON_LONE_SURROGATE', '$'],
  ['lone surrogate in a member name', { text: '{"k":{"\\udfff":1}}' }, 'JSON_LONE_SURROGATE', '$.k["\\udfff"]'],
  ['lone surrogate in an array element', { text: '[0,"x\\ud834"]' }, 'JSON_LONE_SURROGATE', '$[1]'],
  ['2^53 as an integer literal', { text: '9007199254740992' }, 'JSON_UNSAFE_INTEGER', '$'],
  ['2^53+1 would round', { text: '{"n":9007199254740993}' }, 'JSON_UNSAFE_INTEGER', '$.n'],
  ['-(2^53)', { text: '[-9007199254740992]' }, 'JSON_UNSAFE_INTEGER', '$[0]'],
  ['21-digit integer literal', { text: '999999999999999999999' }, 'JSON_UNSAFE_INTEGER', '$'],
  ['A3 (b): 1e20', { text: '{"n":1e20}' }, 'JSON_UNSAFE_INTEGER', '$.n'],
  ['A3 (b): 2^53 with a fraction', { text: '[9007199254740992.0]' }, 'JSON_UNSAFE_INTEGER', '$[0]'],
  ['A3 (b): rounds up to 2^53', { text: '[9007199254740991.5]' }, 'JSON_UNSAFE_INTEGER', '$[0]'],
  ['A3 (b): just below 1e21', { text: '[9.999999999999999e20]' }, 'JSON_UNSAFE_INTEGER', '$[0]'],
  ['A3 (b): negative', { text: '[-1.5e17]' }, 'JSON_UNSAFE_INTEGER', '$[0]'],
  ['overflow', { text: '{"x":[1e400]}' }, 'JSON_NUMBER_OVERFLOW', '$.x[0]'],
  ['overflow just above the largest double', { text: '1.8e308' }, 'JSON_NUMBER_OVERFLOW', '$'],
  ['negative overflow', { text: '-1e309' }, 'JSON_NUMBER_OVERFLOW', '$'],
  ['underflow', { text: '1e-400' }, 'JSON_NUMBER_UNDERFLOW', '$'],
  ['underflow just below half the smallest subnormal', { text: '[2.4703282292062327e-324]' }, 'JSON_NUMBER_UNDERFLOW', '$[0]'],
  ['65 nested arrays', { text: nested(65) }, 'JSON_TOO_DEEP', '$' + '[0]'.repeat(64)],
  ['65 nested objects', { text: nestedObjects(65) }, 'JSON_TOO_DEEP', '$' + '.a'.repeat(64)],
  ['trailing comma', { text: '[1,]' }, 'JSON_SYNTAX', undefined],
  ['leading zero', { text: '01' }, 'JSON_SYNTAX', undefined],
  ['plus sign', { text: '+1' }, 'JSON_SYNTAX', undefined],
  ['bare fraction', { text: '.5' }, 'JSON_SYNTAX', undefined],
  ['missing fraction digits', { text: '1.' }, 'JSON_SYNTAX', undefined],
  ['text after the value', { text: '{"a":1} x' }, 'JSON_SYNTAX', undefined],
  ['comment', { text: '// c\n{}' }, 'JSON_SYNTAX', undefined],
  ['single quotes', { text: "{'a':1}" }, 'JSON_SYNTAX', undefined],
  ['NaN', { text: 'NaN' }, 'JSON_SYNTAX', undefined],
  ['Infinity', { text: '[Infinity]' }, 'JSON_SYNTAX', undefined],
  ['uppercase literal', { text: 'True' }, 'JSON_SYNTAX', undefined],
  ['raw control character in a string', { text: '"a\tb"' }, 'JSON_SYNTAX', undefined],
  ['invalid escape', { text: '"\\x41"' }, 'JSON_SYNTAX', undefined],
  ['short \\u escape', { text: '"\\u12"' }, 'JSON_SYNTAX', undefined],
  ['no-break space is not whitespace', { text: '\u00a0{}' }, 'JSON_SYNTAX', undefined],
  ['empty text', { text: '' }, 'JSON_SYNTAX', undefined],
  ['two values', { text: '1 2' }, 'JSON_SYNTAX', undefined],
  ['unterminated string', { text: '"abc' }, 'JSON_SYNTAX', undefined],
];

/** Declarations the schema accepts. */
const DECLARATIONS: [string, string][] = [
  ['minimal', MIN],
  ['example 2 of the specification', '{"schema":"run-declaration/v1","api":"anthropic.messages","api_version":"2023-06-01","model":{"provider":"anthropic","name":"claude-haiku-4-5-20251001"},"parameters":{"max_tokens":1024,"temperature":0,"stop_sequences":["</answer>"],"tool_choice":{"type":"auto"}},"instructions":"You are a support agent for Example Corp. Answer only from the policy in the user turn.","context":{"messages":[{"role":"user","content":[{"type":"text","text":"<policy>\\nReturns policy (v3, 2024-05-01)\\nUnopened items: refund within 30 days.\\nOpened items: store credit within 14 days.\\n</policy>"},{"type":"text","text":"Can I return an opened item after 20 days?"}]}],"documents":[{"name":"returns-policy.md","digest":"sha256:38cc8509a386992a260373c92df854955e79fbc2618da0a2bf142a195f8631eb","media_type":"text/markdown","size":114}]},"tools":[{"name":"create_ticket","description":"Open a support ticket for a human agent","input_schema":{"type":"object","properties":{"summary":{"type":"string"},"priority":{"type":"string","enum":["low","normal","high"]}},"required":["summary"]}}],"salt":"tO7nKM7HsoXOm5L5x-JPSA"}'],
  ['every optional member', withTop(`"api_version":"v","instructions":null,"tools":[],"salt":"${'A'.repeat(22)}","extensions":{"com.example.x/v1":{"k":[1]},"a.b-c":null}`).replace('"name":"m"}', `"name":"m","revision":"r1","weights":{"digest":"${DIGEST}","media_type":"application/octet-stream","size":0}}`)],
  ['each api value: openai.chat_completions', replaced('"generic"', '"openai.chat_completions"')],
  ['each api value: openai.responses', replaced('"generic"', '"openai.responses"')],
  ['each api value: anthropic.messages', replaced('"generic"', '"anthropic.messages"')],
  ['dotted, dashed provider', replaced('"example"', '"aws.bedrock-x_1"')],
  ['context.messages null is kept', replaced('"context":{}', '"context":{"messages":null}')],
  ['document reference with every member', replaced('"context":{}', `"context":{"documents":[{"name":"n","digest":"${DIGEST}","media_type":"text/plain","size":9007199254740991,"provider_file_id":"file-1"}]}`)],
  ['size written 114.0 is the integer 114', replaced('"context":{}', `"context":{"documents":[{"digest":"${DIGEST}","media_type":"text/markdown","size":114.0}]}`)],
  ['salt of exactly 22 characters', withTop(`"salt":"${'-_'.repeat(11)}"`)],
  ['free payloads keep any member names', withParam('"Weird Key":{"":[],"ü":1},"__proto__":null')],
  ['declaration depth 64 exactly', withParam(`"d":${nested(62)}`)],
  ['unsafe-looking string is fine', withParam('"seed":"9007199254740993"')],
];

/** Declaration refusals: [name, text, code, path]. */
const DECLARATION_REFUSALS: [string, string, string, string][] = [
  ['not an object', '[]', 'DECLARATION_INVALID', '$'],
  ['unknown top-level member', withTop('"note":1'), 'DECLARATION_INVALID', '$.note'],
  ['schema missing', MIN.replace('"schema":"run-declaration/v1",', ''), 'DECLARATION_INVALID', '$.schema'],
  ['schema wrong', replaced('run-declaration/v1', 'run-declaration/v2'), 'DECLARATION_INVALID', '$.schema'],
  ['api not in the enum', replaced('"generic"', '"openai"'), 'DECLARATION_INVALID', '$.api'],
  ['api_version empty', withTop('"api_version":""'), 'DECLARATION_INVALID', '$.api_version'],
  ['model missing', MIN.replace('"model":{"provider":"example","name":"m"},', ''), 'DECLARATION_INVALID', '$.model'],
  ['model not an object', replaced('{"provider":"example","name":"m"}', '"m"'), 'DECLARATION_INVALID', '$.model'],
  ['model member unknown', replaced('"name":"m"}', '"name":"m","alias":"x"}'), 'DECLARATION_INVALID', '$.model.alias'],
  ['provider uppercase', replaced('"example"', '"OpenAI"'), 'DECLARATION_INVALID', '$.model.provider'],
  ['provider with a trailing newline', replaced('"example"', '"openai\\n"'), 'DECLARATION_INVALID', '$.model.provider'],
  ['provider starting with a separator', replaced('"example"', '"-x"'), 'DECLARATION_INVALID', '$.model.provider'],
  ['provider with two separators', replaced('"example"', '"a..b"'), 'DECLARATION_INVALID', '$.model.provider'],
  ['model name empty', replaced('"name":"m"', '"name":""'), 'DECLARATION_INVALID', '$.model.name'],
  ['model name not a string', replaced('"name":"m"', '"name":1'), 'DECLARATION_INVALID', '$.model.name'],
  ['revision empty', replaced('"name":"m"}', '"name":"m","revision":""}'), 'DECLARATION_INVALID', '$.model.revision'],
  ['weights digest uppercase', replaced('"name":"m"}', `"name":"m","weights":{"digest":"${DIGEST.toUpperCase().replace('SHA256', 'sha256')}","media_type":"a/b","size":1}}`), 'DECLARATION_INVALID', '$.model.weights.digest'],
  ['weights media type with a parameter', replaced('"name":"m"}', `"name":"m","weights":{"digest":"${DIGEST}","media_type":"text/plain; charset=utf-8","size":1}}`), 'DECLARATION_INVALID', '$.model.weights.media_type'],
  ['weights size negative', replaced('"name":"m"}', `"name":"m","weights":{"digest":"${DIGEST}","media_type":"a/b","size":-1}}`), 'DECLARATION_INVALID', '$.model.weights.size'],
  ['weights size fractional', replaced('"name":"m"}', `"name":"m","weights":{"digest":"${DIGEST}","media_type":"a/b","size":1.5}}`), 'DECLARATION_INVALID', '$.model.weights.size'],
  ['weights size a string', replaced('"name":"m"}', `"name":"m","weights":{"digest":"${DIGEST}","media_type":"a/b","size":"1"}}`), 'DECLARATION_INVALID', '$.model.weights.size'],
  ['weights with a name (only documents may have one)', replaced('"name":"m"}', `"name":"m","weights":{"name":"w","digest":"${DIGEST}","media_type":"a/b","size":1}}`), 'DECLARATION_INVALID', '$.model.weights.name'],
  ['parameters missing', MIN.replace('"parameters":{},', ''), 'DECLARATION_INVALID', '$.parameters'],
  ['parameters an array', replaced('"parameters":{}', '"parameters":[]'), 'DECLARATION_INVALID', '$.parameters'],
  ['parameters null', replaced('"parameters":{}', '"parameters":null'), 'DECLARATION_INVALID', '$.parameters'],
  ['context missing', MIN.replace(',"context":{}', ''), 'DECLARATION_INVALID', '$.context'],
  ['context member unknown', replaced('"context":{}', '"context":{"files":[]}'), 'DECLARATION_INVALID', '$.context.files'],
  ['documents empty', replaced('"context":{}', '"context":{"documents":[]}'), 'DECLARATION_INVALID', '$.context.documents'],
  ['documents not an array', replaced('"context":{}', '"context":{"documents":{}}'), 'DECLARATION_INVALID', '$.context.documents'],
  ['document missing size', replaced('"context":{}', `"context":{"documents":[{"digest":"${DIGEST}","media_type":"a/b"}]}`), 'DECLARATION_INVALID', '$.context.documents[0].size'],
  ['document provider_file_id empty', replaced('"context":{}', `"context":{"documents":[{"digest":"${DIGEST}","media_type":"a/b","size":1,"provider_file_id":""}]}`), 'DECLARATION_INVALID', '$.context.documents[0].provider_file_id'],
  ['tools an object', withTop('"tools":{}'), 'DECLARATION_INVALID', '$.tools'],
  ['tools null', withTop('"tools":null'), 'DECLARATION_INVALID', '$.tools'],
  ['salt of 21 characters', withTop(`"salt":"${'A'.repeat(21)}"`), 'DECLARATION_INVALID', '$.salt'],
  ['salt with padding', withTop(`"salt":"${'A'.repeat(22)}=="`), 'DECLARATION_INVALID', '$.salt'],
  ['salt in the standard alphabet', withTop(`"salt":"${'A'.repeat(21)}+"`), 'DECLARATION_INVALID', '$.salt'],
  ['extensions empty', withTop('"extensions":{}'), 'DECLARATION_INVALID', '$.extensions'],
  ['extension name without a dot', withTop('"extensions":{"com":1}'), 'DECLARATION_INVALID', '$.extensions.com'],
  ['extension name uppercase', withTop('"extensions":{"Com.example":1}'), 'DECLARATION_INVALID', '$.extensions["Com.example"]'],
  ['extension version without digits', withTop('"extensions":{"com.example/v":1}'), 'DECLARATION_INVALID', '$.extensions["com.example/v"]'],
  ['optional member null', withTop('"api_version":null'), 'DECLARATION_INVALID', '$.api_version'],
  ['declaration depth 65', withParam(`"d":${nested(63)}`), 'JSON_TOO_DEEP', '$.parameters.d' + '[0]'.repeat(62)],
  ['parse rules apply inside payloads', withParam('"seed":9007199254740993'), 'JSON_UNSAFE_INTEGER', '$.parameters.seed'],
];

const LIMIT = MAX_DECLARATION_BYTES;
const HEAD = MIN.slice(0, -1) + ',"extensions":{"org.example.pad":["';
/** A declaration of exactly `size` bytes: the minimal one with a padding string and `tail` numbers. */
function sized(size: number, numbers: string[] = []): Piece[] {
  const tail = '"' + numbers.map((n) => ',' + n).join('') + ']}}';
  return [{ text: HEAD }, { repeat: 'a', times: size - HEAD.length - tail.length }, { text: tail }];
}
const fifteen = Array(24).fill('1e15');

/** Size vectors, given by a build rule: [name, pieces, expected code or undefined]. */
const SIZES: [string, Piece[], string | undefined][] = [
  ['text of exactly 32 MiB', sized(LIMIT), undefined],
  ['text of 32 MiB + 1 byte', sized(LIMIT + 1), 'JSON_TOO_LARGE'],
  ['text within 32 MiB whose canonical form is exactly 32 MiB', sized(LIMIT - 24 * 12, fifteen), undefined],
  ['text within 32 MiB whose canonical form is 32 MiB + 1 byte', sized(LIMIT - 24 * 12 + 1, fifteen), 'JSON_TOO_LARGE'],
  ['32 MiB of 2-byte characters counts bytes, not characters', [{ text: HEAD }, { repeat: 'é', times: Math.floor((LIMIT - HEAD.length - 4) / 2) + 1 }, { text: '"]}}' }], 'JSON_TOO_LARGE'],
];

/** Identity texts (§6). */
const IDENTITY_TEXTS: [string, string | undefined][] = [
  ['sha256:' + '0123456789abcdef'.repeat(4), undefined],
  ['sha256:' + '0123456789ABCDEF'.repeat(4), 'IDENTITY_MALFORMED'],
  ['SHA256:' + '0'.repeat(64), 'IDENTITY_MALFORMED'],
  ['sha256:' + '0'.repeat(63), 'IDENTITY_MALFORMED'],
  ['sha256:' + '0'.repeat(65), 'IDENTITY_MALFORMED'],
  [' sha256:' + '0'.repeat(64), 'IDENTITY_MALFORMED'],
  ['sha256:' + '0'.repeat(64) + '\n', 'IDENTITY_MALFORMED'],
  ['sha512:' + '0'.repeat(64), 'IDENTITY_MALFORMED'],
  ['0'.repeat(64), 'IDENTITY_MALFORMED'],
];

/** buildIdentityVectors returns the identity vector file's content. */
export function buildIdentityVectors() {
  const vectors: IdentityVector[] = [];
  for (const [name, input] of VALUES) vectors.push({ name, kind: 'value', input, expect: expectAccepted(name, identityOutcome('value', input)) });
  for (const [name, input, code, path] of VALUE_REFUSALS) {
    vectors.push({ name, kind: 'value', input, expect: expectRefusal(name, identityOutcome('value', input), code, path) });
  }
  for (const [name, text] of DECLARATIONS) {
    const input = inputOf(new TextEncoder().encode(text));
    vectors.push({ name, kind: 'declaration', input, expect: expectAccepted(name, identityOutcome('declaration', input)) });
  }
  for (const [name, text, code, path] of DECLARATION_REFUSALS) {
    const input: Input = { text };
    vectors.push({ name, kind: 'declaration', input, expect: expectRefusal(name, identityOutcome('declaration', input), code, path) });
  }
  for (const [name, build, code] of SIZES) {
    const input: Input = { build };
    const got = identityOutcome('declaration', input);
    vectors.push({ name, kind: 'declaration', input, expect: code === undefined ? expectAccepted(name, got) : expectRefusal(name, got, code, '$') });
  }
  const identityTexts = IDENTITY_TEXTS.map(([text, code]) => {
    const got = identityTextOutcome(text);
    return { text, expect: code === undefined ? expectAccepted(text, got) : expectRefusal(text, got, code, undefined) };
  });
  return {
    description: 'Identity vectors: docs/specification.md §2 (strict parse), §3 (schema), §5 (canonical form), §6 (identity). kind "value": strict parse and canonical form only; kind "declaration": strict parse, schema, canonical form (≤ 32 MiB), identity. A JSON_SYNTAX path is informative; every other path is normative.',
    vectors,
    identity_texts: identityTexts,
  };
}
