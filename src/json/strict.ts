/**
 * Strict JSON parser — RFC 8259 grammar plus the parse-level rules of run-declaration/v1
 * (docs/specification.md §2, rules A1–A4) and its two limits (src/json/limits.ts).
 *
 * `JSON.parse` is lenient in ways that would let two different texts claim one identity (or one
 * text be read two ways): it keeps the last of duplicate member names, accepts lone surrogates,
 * silently rounds integers beyond 2^53 and turns `1e400` into Infinity. This parser is written by
 * hand so that every such input is rejected with a stable error code and the JSON path of the
 * fault (`$`, `$.a.b`, `$.messages[3].content`, `$["odd key"]`).
 *
 * Rules, checked in this order:
 * - size: more than `maxBytes` UTF-8 bytes → JSON_TOO_LARGE (before any parsing);
 * - encoding: a UTF-8 byte order mark → JSON_BOM; invalid UTF-8 → JSON_INVALID_UTF8 (RFC 8259 §8.1);
 * - grammar (RFC 8259 §2–§7) → JSON_SYNTAX with the character offset;
 * - nesting deeper than `maxDepth` containers → JSON_TOO_DEEP;
 * - A1 duplicate member names (compared after unescaping) → JSON_DUPLICATE_KEY;
 * - A2 lone surrogates, raw or escaped, in strings and member names → JSON_LONE_SURROGATE;
 * - A3 integer literals (no fraction, no exponent) outside ±(2^53−1) → JSON_UNSAFE_INTEGER,
 *   decided on the literal; and, so that every accepted value's RFC 8785 canonical text is itself
 *   accepted, any other literal whose value has a magnitude in [2^53, 10^21) — ECMAScript prints
 *   those as plain integer literals (`1e20` → `100000000000000000000`), which the first half of
 *   the rule would then reject (see {@link isUnsafeCanonicalNumber});
 * - A4 literals that overflow to ±Infinity → JSON_NUMBER_OVERFLOW, or that are not zero but
 *   round to zero → JSON_NUMBER_UNDERFLOW.
 *
 * Numbers are decoded with `Number(literal)` of the exact literal text, which is correctly
 * rounded IEEE-754 (ECMAScript StringToNumber). A member named `__proto__` becomes an own data
 * property; the prototype of a parsed object is never touched.
 */
import { RunproofError, type ErrorCode } from '../errors.js';
import { decodeUtf8, utf8Length } from '../encoding/utf8.js';
import { MAX_DECLARATION_BYTES, MAX_DECLARATION_DEPTH } from './limits.js';
import { jsonPath, type JsonObject, type JsonValue } from './value.js';

export { jsonPath, type JsonObject, type JsonValue } from './value.js';

/** Limits for {@link parseStrictJson}. */
export interface StrictJsonOptions {
  /** Largest accepted input, in UTF-8 bytes. Default: the declaration limit, 32 MiB (33554432). */
  maxBytes?: number;
  /** Deepest accepted nesting of arrays and objects (the top-level container is depth 1). Default 64. */
  maxDepth?: number;
}

/**
 * hasLoneSurrogate tells whether a string holds a UTF-16 surrogate that is not part of a
 * high-then-low pair. Uses the native `String.prototype.isWellFormed` (ES2024, Node ≥ 20).
 */
export function hasLoneSurrogate(s: string): boolean {
  return !(s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * isUnsafeCanonicalNumber tells whether ECMAScript Number::toString (RFC 8785 §3.2.2.3) writes
 * `n` as an integer literal beyond ±(2^53−1): every double of magnitude in [2^53, 10^21) is an
 * integer and is printed without an exponent. Such a number's canonical text would fail rule A3.
 */
export function isUnsafeCanonicalNumber(n: number): boolean {
  const a = Math.abs(n);
  return a > MAX_SAFE && a < 1e21;
}

// Character codes used by the scanner.
const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a;
const LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d;
const MINUS = 0x2d, PLUS = 0x2b, DOT = 0x2e, ZERO = 0x30, NINE = 0x39;

/**
 * A run of string characters the scanner has nothing to do for: anything but the quote, the
 * backslash, C0 controls and UTF-16 surrogates (no `u` flag: the class is over code units). The
 * per-character loop it replaces was the parser's largest cost on declarations (≈ 35 %).
 */
const PLAIN_RUN = /[^"\\\u0000-\u001f\ud800-\udfff]*/y;

/**
 * canonicalEscape is how RFC 8785 (§3.2.2.2, ECMAScript `JSON.stringify`) writes the code unit
 * `u` when a `\u` escape in the input denotes it: the C0 controls without a short form, as
 * `\u00xx` in lower-case hex. Any other code unit has another canonical form (a short escape, or
 * the character itself), so no `\u` text equals it.
 */
function canonicalEscape(u: number): string | undefined {
  if (u >= 0x20 || u === 0x08 || u === 0x09 || u === 0x0a || u === 0x0c || u === 0x0d) return undefined;
  return '\\u' + u.toString(16).padStart(4, '0');
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** The recursive-descent parser over a decoded string; one instance per call. */
class Parser {
  pos = 0;
  /** Path segments of the value being parsed; only `segs[0..depth)` is meaningful. */
  readonly segs: (string | number)[] = [];
  /**
   * Whether the text read so far is exactly RFC 8785 canonical text (src/json/canonical.ts): no
   * whitespace, members in UTF-16 code unit order, strings escaped as `JSON.stringify` escapes
   * them, numbers as ECMAScript prints them. Cleared by the first deviation; costs a comparison
   * per member and per number, nothing per plain string character.
   */
  canonical = true;

  constructor(
    readonly text: string,
    readonly maxDepth: number,
  ) {}

  fail(code: ErrorCode, message: string, depth: number): never {
    throw new RunproofError(code, message, { path: jsonPath(this.segs.slice(0, depth)) });
  }

  syntax(message: string, depth: number): never {
    const at = this.pos < this.text.length ? `${JSON.stringify(this.text[this.pos])} at offset ${this.pos}` : `end of input at offset ${this.pos}`;
    this.fail('JSON_SYNTAX', `${message}: unexpected ${at}`, depth);
  }

  /** Skips the four JSON whitespace characters (RFC 8259 §2). */
  ws(): void {
    const t = this.text;
    let p = this.pos;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    if (p !== this.pos) this.canonical = false; // §3.2.1: canonical text has no whitespace
    this.pos = p;
  }

  parseDocument(): JsonValue {
    this.ws();
    const v = this.value(0);
    this.ws();
    if (this.pos !== this.text.length) this.syntax('expected end of input after the value', 0);
    return v;
  }

  /** Parses one value whose path is `segs[0..depth)`. */
  value(depth: number): JsonValue {
    const c = this.text.charCodeAt(this.pos);
    if (c === QUOTE) return this.string(depth, false);
    if (c === LBRACE) return this.object(depth);
    if (c === LBRACKET) return this.array(depth);
    if (c === MINUS || isDigit(c)) return this.number(depth);
    if (c === 0x74 && this.text.startsWith('true', this.pos)) {
      this.pos += 4;
      return true;
    }
    if (c === 0x66 && this.text.startsWith('false', this.pos)) {
      this.pos += 5;
      return false;
    }
    if (c === 0x6e && this.text.startsWith('null', this.pos)) {
      this.pos += 4;
      return null;
    }
    this.syntax('expected a value', depth);
  }

  object(depth: number): JsonObject {
    if (depth + 1 > this.maxDepth) this.fail('JSON_TOO_DEEP', `nesting deeper than ${this.maxDepth}`, depth);
    const t = this.text;
    const obj: JsonObject = {};
    this.pos++; // {
    this.ws();
    if (t.charCodeAt(this.pos) === RBRACE) {
      this.pos++;
      return obj;
    }
    let previous: string | undefined;
    for (;;) {
      if (t.charCodeAt(this.pos) !== QUOTE) this.syntax('expected a member name', depth);
      const key = this.string(depth, true);
      this.segs[depth] = key;
      // A1: duplicate names are rejected, compared after unescaping (RFC 8259 §4 leaves it open).
      if (Object.hasOwn(obj, key)) this.fail('JSON_DUPLICATE_KEY', `duplicate member name ${JSON.stringify(key)}`, depth + 1);
      // RFC 8785 §3.2.3: canonical members ascend by UTF-16 code units, which `<` compares.
      if (previous !== undefined && key < previous) this.canonical = false;
      previous = key;
      this.ws();
      if (t.charCodeAt(this.pos) !== COLON) this.syntax('expected ":" after a member name', depth + 1);
      this.pos++;
      this.ws();
      const v = this.value(depth + 1);
      // `obj[key] = v` with key "__proto__" would replace the prototype; define it as data instead.
      if (key === '__proto__') Object.defineProperty(obj, key, { value: v, writable: true, enumerable: true, configurable: true });
      else obj[key] = v;
      this.ws();
      const c = t.charCodeAt(this.pos);
      if (c === COMMA) {
        this.pos++;
        this.ws();
        continue;
      }
      if (c === RBRACE) {
        this.pos++;
        return obj;
      }
      this.syntax('expected "," or "}" in an object', depth);
    }
  }

  array(depth: number): JsonValue[] {
    if (depth + 1 > this.maxDepth) this.fail('JSON_TOO_DEEP', `nesting deeper than ${this.maxDepth}`, depth);
    const t = this.text;
    const arr: JsonValue[] = [];
    this.pos++; // [
    this.ws();
    if (t.charCodeAt(this.pos) === RBRACKET) {
      this.pos++;
      return arr;
    }
    for (let i = 0; ; i++) {
      this.segs[depth] = i;
      arr.push(this.value(depth + 1));
      this.ws();
      const c = t.charCodeAt(this.pos);
      if (c === COMMA) {
        this.pos++;
        this.ws();
        continue;
      }
      if (c === RBRACKET) {
        this.pos++;
        return arr;
      }
      this.syntax('expected "," or "]" in an array', depth);
    }
  }

  /**
   * Parses a string (RFC 8259 §7). For a member name the error path is the enclosing object's,
   * for a value its own. Lone surrogates (A2) are detected on the decoded text, so an escaped
   * high surrogate followed by an escaped low one is a valid pair; a raw surrogate (only a string
   * input can hold one: UTF-8 cannot) must be half of a raw pair, as it would be in the input's
   * UTF-8, so that a string input and its bytes are judged alike.
   */
  string(depth: number, isKey: boolean): string {
    const t = this.text;
    let p = this.pos + 1;
    let start = p;
    let out = '';
    let surrogates = false;
    let rawLone = false;
    for (;;) {
      // Skip natively over the run of characters that need no attention here.
      PLAIN_RUN.lastIndex = p;
      PLAIN_RUN.test(t);
      p = PLAIN_RUN.lastIndex;
      const c = t.charCodeAt(p);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        out += t.slice(start, p);
        const e = t.charCodeAt(p + 1);
        p += 2;
        switch (e) {
          case 0x22: out += '"'; break;
          case 0x5c: out += '\\'; break;
          case 0x2f: out += '/'; this.canonical = false; break; // canonical text writes "/" as is
          case 0x62: out += '\b'; break;
          case 0x66: out += '\f'; break;
          case 0x6e: out += '\n'; break;
          case 0x72: out += '\r'; break;
          case 0x74: out += '\t'; break;
          case 0x75: {
            const a = hexValue(t.charCodeAt(p)), b = hexValue(t.charCodeAt(p + 1));
            const d = hexValue(t.charCodeAt(p + 2)), f = hexValue(t.charCodeAt(p + 3));
            if (a < 0 || b < 0 || d < 0 || f < 0) {
              this.pos = p;
              this.syntax('expected four hex digits after \\u', depth);
            }
            const u = a * 4096 + b * 256 + d * 16 + f;
            if (u >= 0xd800 && u <= 0xdfff) surrogates = true;
            if (this.canonical && t.slice(p - 2, p + 4) !== canonicalEscape(u)) this.canonical = false;
            out += String.fromCharCode(u);
            p += 4;
            break;
          }
          default:
            this.pos = p - 1;
            this.syntax('invalid escape', depth);
        }
        start = p;
        continue;
      }
      if (c < 0x20 || Number.isNaN(c)) {
        this.pos = p;
        this.syntax(Number.isNaN(c) ? 'unterminated string' : 'control character in a string', depth);
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        // A raw high half followed by a raw low half is one character; anything else raw is lone,
        // even when an escape next to it would complete a pair in the decoded text.
        const next = t.charCodeAt(p + 1);
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) p++;
        else rawLone = true;
      }
      p++;
    }
    out = start === this.pos + 1 ? t.slice(start, p) : out + t.slice(start, p);
    this.pos = p + 1;
    if (rawLone || (surrogates && hasLoneSurrogate(out))) {
      if (isKey) this.segs[depth] = out;
      this.fail('JSON_LONE_SURROGATE', `lone surrogate in a ${isKey ? 'member name' : 'string'}`, isKey ? depth + 1 : depth);
    }
    return out;
  }

  /** Parses a number (RFC 8259 §6) and applies rules A3 and A4. */
  number(depth: number): number {
    const t = this.text;
    const begin = this.pos;
    let p = begin;
    if (t.charCodeAt(p) === MINUS) p++;
    const first = t.charCodeAt(p);
    if (first === ZERO) p++;
    else if (isDigit(first)) while (isDigit(t.charCodeAt(p))) p++;
    else {
      this.pos = p;
      this.syntax('expected a digit', depth);
    }
    let integer = true;
    if (t.charCodeAt(p) === DOT) {
      integer = false;
      p++;
      if (!isDigit(t.charCodeAt(p))) {
        this.pos = p;
        this.syntax('expected a digit after "."', depth);
      }
      while (isDigit(t.charCodeAt(p))) p++;
    }
    const mantissaEnd = p;
    const e = t.charCodeAt(p);
    if (e === 0x65 || e === 0x45) {
      integer = false;
      p++;
      const s = t.charCodeAt(p);
      if (s === PLUS || s === MINUS) p++;
      if (!isDigit(t.charCodeAt(p))) {
        this.pos = p;
        this.syntax('expected a digit in the exponent', depth);
      }
      while (isDigit(t.charCodeAt(p))) p++;
    }
    this.pos = p;
    const literal = t.slice(begin, p);
    const n = Number(literal);
    // §3.2.2.3: canonical numbers are written as ECMAScript Number::toString writes them.
    if (this.canonical && literal !== String(n)) this.canonical = false;
    if (integer) {
      // A3: an integer beyond ±(2^53−1) cannot be represented exactly; rounding is monotonic and
      // 2^53 is exact, so every such literal converts to a magnitude of at least 2^53.
      if (n > MAX_SAFE || n < -MAX_SAFE) this.fail('JSON_UNSAFE_INTEGER', `integer ${literal} is outside ±(2^53−1)`, depth);
      return n;
    }
    // A4: overflow to ±Infinity, or a non-zero literal rounded to zero.
    if (n === Infinity || n === -Infinity) this.fail('JSON_NUMBER_OVERFLOW', `number ${literal} overflows to infinity`, depth);
    // A3, second half: keep the canonical text of every accepted value acceptable.
    if (isUnsafeCanonicalNumber(n)) {
      this.fail('JSON_UNSAFE_INTEGER', `number ${literal} is the integer ${String(n)}, outside ±(2^53−1)`, depth);
    }
    if (n === 0) {
      for (let i = begin; i < mantissaEnd; i++) {
        const c = t.charCodeAt(i);
        if (c > ZERO && c <= NINE) this.fail('JSON_NUMBER_UNDERFLOW', `number ${literal} underflows to zero`, depth);
      }
    }
    return n;
  }
}

/**
 * parseStrictJson parses exactly one JSON value under the strict rules above.
 * Bytes must be UTF-8 without a BOM; a string is taken as already-decoded text.
 * @throws RunproofError JSON_TOO_LARGE, JSON_BOM, JSON_INVALID_UTF8, JSON_SYNTAX, JSON_TOO_DEEP,
 *   JSON_DUPLICATE_KEY, JSON_LONE_SURROGATE, JSON_UNSAFE_INTEGER, JSON_NUMBER_OVERFLOW, JSON_NUMBER_UNDERFLOW
 */
export function parseStrictJson(input: Uint8Array | string, opts: StrictJsonOptions = {}): JsonValue {
  return parseStrictJsonNotingForm(input, opts).value;
}

/**
 * parseStrictJsonNotingForm is {@link parseStrictJson} that also tells whether the input already
 * is the RFC 8785 canonical text of the value it holds (`canonical`: the input equals
 * `canonicalJson(value)`, as text, or as its UTF-8 bytes). A client that sends canonical bytes —
 * the runproof client does — then needs no canonical form written again: its input is hashed as
 * it is. Same rules, errors and order as parseStrictJson.
 * @throws RunproofError as {@link parseStrictJson}
 */
export function parseStrictJsonNotingForm(input: Uint8Array | string, opts: StrictJsonOptions = {}): { value: JsonValue; canonical: boolean } {
  const maxBytes = opts.maxBytes ?? MAX_DECLARATION_BYTES;
  const maxDepth = opts.maxDepth ?? MAX_DECLARATION_DEPTH;
  let text: string;
  if (typeof input === 'string') {
    // Each UTF-16 code unit is 1–3 UTF-8 bytes; count exactly only when the bounds disagree.
    if (input.length > maxBytes || (input.length * 3 > maxBytes && utf8Length(input) > maxBytes)) {
      throw new RunproofError('JSON_TOO_LARGE', `input is larger than ${maxBytes} bytes`, { path: '$' });
    }
    if (input.charCodeAt(0) === 0xfeff) throw new RunproofError('JSON_BOM', 'input starts with a byte order mark', { path: '$' });
    text = input;
  } else {
    if (input.length > maxBytes) throw new RunproofError('JSON_TOO_LARGE', `input is ${input.length} bytes, more than ${maxBytes}`, { path: '$' });
    // RFC 8259 §8.1: implementations MUST NOT add a BOM; we reject one rather than skip it.
    if (input.length >= 3 && input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) {
      throw new RunproofError('JSON_BOM', 'input starts with a UTF-8 byte order mark', { path: '$' });
    }
    try {
      text = decodeUtf8(input, 'JSON');
    } catch (cause) {
      throw new RunproofError('JSON_INVALID_UTF8', 'input is not valid UTF-8', { path: '$', cause });
    }
  }
  const parser = new Parser(text, maxDepth);
  const value = parser.parseDocument();
  // Valid UTF-8 decodes one to one, so bytes whose text is canonical are the canonical bytes.
  return { value, canonical: parser.canonical };
}
