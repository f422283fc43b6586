/**
 * Canonical decimal integers, as text formats in C2SP specs write them: ASCII digits, no sign,
 * no leading zeros (`0` is written `0`). Parsing checks `String(n) === text`, so `+1`, `01`,
 * ` 1` and `1e3` are all rejected.
 */
import { RunproofError } from '../errors.js';

/**
 * parseDecimal parses a canonical non-negative decimal integer no larger than `max`
 * (default `Number.MAX_SAFE_INTEGER`).
 * @throws RunproofError MALFORMED_ENCODING
 */
export function parseDecimal(text: string, what = 'number', max = Number.MAX_SAFE_INTEGER): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) {
    throw new RunproofError('MALFORMED_ENCODING', `${what}: ${JSON.stringify(text.slice(0, 40))} is not a canonical decimal integer`);
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n) || String(n) !== text || n > max) {
    throw new RunproofError('MALFORMED_ENCODING', `${what}: ${text} is out of range (max ${max})`);
  }
  return n;
}
