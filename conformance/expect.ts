/**
 * Guards used while building vectors: a refusal must have exactly the code (and path) written down
 * from the specification, and an acceptance must not be a refusal. A disagreement stops the build,
 * so no vector ever records a behaviour nobody decided.
 */
import type { Refusal } from './outcome.js';

function isRefusal(x: unknown): x is Refusal {
  return typeof x === 'object' && x !== null && 'code' in x && typeof (x as Refusal).code === 'string';
}

/** expectRefusal returns the refusal `{code, path?}` if the outcome is exactly that, else throws. */
export function expectRefusal(name: string, got: unknown, code: string, path: string | undefined): Refusal {
  if (!isRefusal(got) || got.code !== code || (path !== undefined && got.path !== path)) {
    throw new Error(`conformance: ${name}: expected ${code}${path === undefined ? '' : ' at ' + path}, got ${JSON.stringify(got)}`);
  }
  return path === undefined ? { code } : { code, path };
}

/** expectAccepted returns the outcome if it is not a refusal, else throws. */
export function expectAccepted<T>(name: string, got: T | Refusal): T {
  if (isRefusal(got)) throw new Error(`conformance: ${name}: expected acceptance, got ${JSON.stringify(got)}`);
  return got;
}
