/** Test helper: run `fn`, expect a RunproofError with `code` (and `path`, if given). */
import { expect } from 'vitest';
import { RunproofError, type ErrorCode } from '../../src/errors.js';

export function expectCode(fn: () => unknown, code: ErrorCode, path?: string): RunproofError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(RunproofError);
  const err = caught as RunproofError;
  expect(err.code).toBe(code);
  if (path !== undefined) expect(err.path).toBe(path);
  return err;
}
