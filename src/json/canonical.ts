/**
 * Canonical JSON — RFC 8785, the JSON Canonicalization Scheme (JCS).
 *
 * One pass writes the text and checks the value: keys sorted by UTF-16 code units (§3.2.3),
 * strings escaped as ECMAScript `JSON.stringify` does (§3.2.2.2), numbers formatted by ECMAScript
 * Number::toString (§3.2.2.3, so `-0` becomes `0`), no whitespace. Anything that is not a plain
 * JSON value is refused with JSON_NOT_PLAIN and the path (no `undefined` members dropped —
 * docs/specification.md §5 —, no `toJSON`, no class instances or Dates), and a number of
 * magnitude in [2^53, 10^21) with JSON_UNSAFE_INTEGER (its canonical text would be an integer
 * literal the strict parser rejects). So the canonical text of any value this module accepts is
 * accepted by `parseStrictJson` and canonicalises to itself. The `canonicalize` npm package
 * (v4), which this module used to call after a separate check pass, is kept as the differential
 * oracle of the tests (test/json/canonical.test.ts) beside the RFC 8785 vectors.
 */
import { RunproofError } from '../errors.js';
import { utf8 } from '../encoding/utf8.js';
import { hasLoneSurrogate, isUnsafeCanonicalNumber, jsonPath, type JsonValue } from './strict.js';
import { quoted } from './canonical-parsed.js';

function notPlain(why: string, segs: (string | number)[]): never {
  throw new RunproofError('JSON_NOT_PLAIN', `not a plain JSON value: ${why}`, { path: jsonPath(segs) });
}

function check(v: unknown, segs: (string | number)[], ancestors: Set<object>): void {
  switch (typeof v) {
    case 'string':
      if (hasLoneSurrogate(v)) notPlain('string with a lone surrogate', segs);
      return;
    case 'number':
      if (!Number.isFinite(v)) notPlain(`non-finite number ${String(v)}`, segs);
      // Same rule as the strict parser's A3: the canonical text must be readable again.
      if (isUnsafeCanonicalNumber(v)) {
        throw new RunproofError('JSON_UNSAFE_INTEGER', `number ${String(v)} is an integer outside ±(2^53−1)`, { path: jsonPath(segs) });
      }
      return;
    case 'boolean':
      return;
    case 'object':
      break;
    default:
      // undefined, bigint, symbol, function
      notPlain(typeof v, segs);
  }
  if (v === null) return;
  if (ancestors.has(v)) notPlain('cyclic reference', segs);
  ancestors.add(v);
  const depth = segs.length;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) notPlain('array subclass', segs);
    for (let i = 0; i < v.length; i++) {
      segs[depth] = i;
      // A hole reads as undefined and is rejected with it.
      check(v[i], segs, ancestors);
    }
  } else {
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) notPlain(`instance of ${(v as object).constructor?.name ?? 'a class'}`, segs);
    if (Object.getOwnPropertySymbols(v).length > 0) notPlain('object with symbol keys', segs);
    const obj = v as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      segs[depth] = k;
      if (hasLoneSurrogate(k)) notPlain('member name with a lone surrogate', segs);
      check(obj[k], segs, ancestors);
    }
  }
  segs.length = depth;
  ancestors.delete(v);
}

/**
 * assertPlainJson checks that `value` is a plain JSON value: null, a boolean, a finite number,
 * a string without lone surrogates, a dense array or a plain object (prototype Object.prototype
 * or null) of such values, without cycles.
 * @throws RunproofError JSON_NOT_PLAIN (JSON_UNSAFE_INTEGER for a number in [2^53, 10^21)) with the path of the first fault
 */
export function assertPlainJson(value: unknown): asserts value is JsonValue {
  check(value, [], new Set());
}

/**
 * canonicalJson returns the RFC 8785 canonical text of a plain JSON value.
 * @throws RunproofError JSON_NOT_PLAIN, JSON_UNSAFE_INTEGER
 */
export function canonicalJson(value: JsonValue): string {
  try {
    return write(value, new Set());
  } catch (e) {
    // The writer visits members in sorted order; report the first fault in member order, as
    // assertPlainJson finds it (it throws for every value the writer refuses).
    if (e instanceof RunproofError) assertPlainJson(value);
    throw e;
  }
}

/** write is the one-pass RFC 8785 serialiser; it throws on anything {@link check} refuses. */
function write(v: unknown, ancestors: Set<object>): string {
  switch (typeof v) {
    case 'string':
      if (hasLoneSurrogate(v)) notPlain('string with a lone surrogate', []);
      return quoted(v); // §3.2.2.2: the ECMAScript JSON.stringify escaping
    case 'number':
      if (!Number.isFinite(v) || isUnsafeCanonicalNumber(v)) notPlain('number', []);
      return String(v); // §3.2.2.3: Number::toString; -0 is "0"
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      break;
    default:
      notPlain(typeof v, []);
  }
  if (v === null) return 'null';
  if (ancestors.has(v)) notPlain('cyclic reference', []);
  ancestors.add(v);
  let out: string;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) notPlain('array subclass', []);
    out = '[';
    for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + write(v[i], ancestors);
    out += ']';
  } else {
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) notPlain('instance', []);
    if (Object.getOwnPropertySymbols(v).length > 0) notPlain('object with symbol keys', []);
    const obj = v as Record<string, unknown>;
    // §3.2.3: sort by UTF-16 code units, which is what the default sort compares.
    const keys = Object.keys(obj).sort();
    out = '{';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (hasLoneSurrogate(k)) notPlain('member name with a lone surrogate', []);
      out += (i === 0 ? '' : ',') + quoted(k) + ':' + write(obj[k], ancestors);
    }
    out += '}';
  }
  ancestors.delete(v);
  return out;
}

/**
 * canonicalBytes returns the UTF-8 bytes of the RFC 8785 canonical text — the bytes that are hashed.
 * @throws RunproofError JSON_NOT_PLAIN, JSON_UNSAFE_INTEGER
 */
export function canonicalBytes(value: JsonValue): Uint8Array {
  return utf8(canonicalJson(value));
}
