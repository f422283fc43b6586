/**
 * `HOST:PORT` listen addresses for the witness and monitor commands (`[::1]:8080` for IPv6).
 */
import { UsageError } from './usage-error.js';

/**
 * parseListen parses `HOST:PORT` (port 0 picks a free port).
 * @throws UsageError on anything else
 */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(0|[1-9][0-9]{0,4})$/.exec(text);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || port > 65535) throw new UsageError(`--listen ${JSON.stringify(text)}: want HOST:PORT, e.g. 127.0.0.1:8080`);
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  return { host, port };
}
