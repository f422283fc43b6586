/**
 * weakKeys makes the audit's IdentitySets created while `f` runs key identities by their last
 * `bytes` bytes only (their random tables zero elsewhere), so that different identities share keys
 * all the time: every such candidate must be told apart by comparing the identities themselves
 * (in place, from saved progress, or by reading the earlier bundle again).
 */
import { vi } from 'vitest';

/** Runs `f` with IdentitySets keyed by the identities' last `bytes` bytes. */
export async function weakKeys<T>(f: () => Promise<T>, bytes = 1): Promise<T> {
  const real = crypto.getRandomValues.bind(crypto);
  const spy = vi.spyOn(crypto, 'getRandomValues').mockImplementation(<A extends ArrayBufferView | null>(a: A): A => {
    real(a as ArrayBufferView);
    if (a instanceof Int32Array && a.length === 32 * 256 * 2) a.fill(0, 0, (32 - bytes) * 512); // only the last bytes count
    return a;
  });
  try {
    return await f();
  } finally {
    spy.mockRestore();
  }
}
