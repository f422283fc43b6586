/**
 * The limits of declaration text — docs/specification.md §2.1 and §2.3, in one place for every
 * surface (library, CLI, log, client).
 *
 * A declaration's text AND its RFC 8785 canonical bytes must each be at most
 * {@link MAX_DECLARATION_BYTES}; arrays and objects nest at most {@link MAX_DECLARATION_DEPTH}
 * deep, in the text as parsed and in a declaration built in memory (a mapped request). Because
 * both limits hold for the canonical form, the canonical text of every accepted declaration is
 * itself accepted. These are not the log's HTTP body limit (`runproof-log serve --max-body`).
 */
import { RunproofError } from '../errors.js';
import { utf8Length } from '../encoding/utf8.js';
import { jsonPath, type JsonValue } from './value.js';

/** Largest declaration, in UTF-8 bytes of its text and of its canonical form: 32 MiB. */
export const MAX_DECLARATION_BYTES = 33_554_432;

/** Deepest nesting of arrays and objects in a declaration (the outermost container is depth 1). */
export const MAX_DECLARATION_DEPTH = 64;

/**
 * checkCanonicalSize refuses canonical bytes longer than {@link MAX_DECLARATION_BYTES}
 * (`1e15` in the text becomes `1000000000000000` in the canonical form, so this can fail for a
 * text that passed the size rule).
 * @throws RunproofError JSON_TOO_LARGE
 */
export function checkCanonicalSize(canonical: Uint8Array): void {
  if (canonical.length > MAX_DECLARATION_BYTES) {
    throw new RunproofError('JSON_TOO_LARGE', `canonical form is ${canonical.length} bytes, more than ${MAX_DECLARATION_BYTES}`, { path: '$' });
  }
}

/**
 * checkCanonicalTextSize is {@link checkCanonicalSize} for the canonical text before it is
 * encoded (a text with no lone surrogates, as canonical texts are); it counts the UTF-8 bytes
 * only when the text could exceed the limit (each UTF-16 code unit is at most 3 bytes).
 * @throws RunproofError JSON_TOO_LARGE
 */
export function checkCanonicalTextSize(canonical: string): void {
  if (canonical.length * 3 <= MAX_DECLARATION_BYTES) return;
  const bytes = utf8Length(canonical);
  if (bytes > MAX_DECLARATION_BYTES) {
    throw new RunproofError('JSON_TOO_LARGE', `canonical form is ${bytes} bytes, more than ${MAX_DECLARATION_BYTES}`, { path: '$' });
  }
}

/**
 * checkNesting refuses a value whose arrays and objects nest deeper than
 * {@link MAX_DECLARATION_DEPTH}, naming the first container (in member order) that is too deep —
 * the same code and path the strict parser gives for that text.
 * @throws RunproofError JSON_TOO_DEEP
 */
export function checkNesting(value: JsonValue): void {
  const segs: (string | number)[] = [];
  // Iterative, so a hostile in-memory value cannot overflow the call stack first.
  const stack: { v: JsonValue; depth: number; segs: (string | number)[] }[] = [{ v: value, depth: 0, segs }];
  while (stack.length > 0) {
    const { v, depth, segs: at } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > MAX_DECLARATION_DEPTH) {
      throw new RunproofError('JSON_TOO_DEEP', `nesting deeper than ${MAX_DECLARATION_DEPTH}`, { path: jsonPath(at) });
    }
    const children: [string | number, JsonValue][] = Array.isArray(v) ? v.map((c, i) => [i, c]) : Object.entries(v);
    // Push in reverse so the first member is visited first.
    for (let i = children.length - 1; i >= 0; i--) {
      const [k, c] = children[i]!;
      if (typeof c === 'object' && c !== null) stack.push({ v: c, depth: depth + 1, segs: [...at, k] });
    }
  }
}
