/**
 * RFC 8785 canonical text without re-checking what the strict parser already guarantees — the
 * hot path of a declaration arriving as text (every submission to the log). The unchecked
 * writer is only for values straight from `parseStrictJson`; `./canonical.ts` is for any other.
 */
import type { JsonValue } from './value.js';

/**
 * Characters `JSON.stringify` escapes in a well-formed string (RFC 8785 §3.2.2.2): the quote, the
 * backslash and the C0 controls. (It also escapes lone surrogates, which the callers refuse
 * before asking.)
 */
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/**
 * quoted is `JSON.stringify(s)` for a string without lone surrogates. Most strings of a
 * declaration need no escape at all, and quoting those by concatenation avoids a call into the
 * runtime's serialiser per string (measured: a third of the canonical writer's time).
 */
export function quoted(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"';
}

/**
 * canonicalJsonOfParsed returns the RFC 8785 canonical text of a value exactly as
 * `parseStrictJson` returned it (not modified since). It skips every check `canonicalJson` makes,
 * because the parser's rules already hold for such a value: strings and member names without
 * lone surrogates (A2), finite numbers whose canonical text is readable again (A3, A4), plain
 * arrays and objects made by the parser (a `__proto__` member is an own data property), no
 * cycles. For any other value use `canonicalJson`, which checks. Same output as `canonicalJson`
 * (test/json/canonical.test.ts compares them).
 */
export function canonicalJsonOfParsed(v: JsonValue): string {
  switch (typeof v) {
    case 'string':
      return quoted(v);
    case 'number':
      return String(v); // §3.2.2.3: Number::toString; -0 is "0"
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v === null) return 'null';
  let out: string;
  if (Array.isArray(v)) {
    out = '[';
    for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + canonicalJsonOfParsed(v[i]!);
    return out + ']';
  }
  // §3.2.3: sort by UTF-16 code units, which is what the default sort compares.
  const keys = Object.keys(v).sort();
  out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    out += (i === 0 ? '' : ',') + quoted(k) + ':' + canonicalJsonOfParsed(v[k]!);
  }
  return out + '}';
}
