/**
 * The JSON value model every JSON module shares — what the strict parser (strict.ts) produces and
 * the limits (limits.ts) and canonical form (canonical.ts) take — and the path notation errors
 * use to name a place in a value. strict.ts re-exports all of it.
 */

/** A plain JSON value as produced by the strict parser (strict.ts). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** A JSON object value. */
export type JsonObject = { [k: string]: JsonValue };

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** jsonPath formats path segments as `$`, `$.a`, `$[3]`, `$["a b"]`. */
export function jsonPath(segments: readonly (string | number)[]): string {
  let out = '$';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENT.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
