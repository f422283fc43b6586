/**
 * `--listen HOST:PORT` for every server — the log, the witness and the monitor — with IPv6 hosts
 * in brackets (`[::1]:8080`) and port 0 for any free port.
 */
import { UsageError } from './usage-error.js';

/**
 * parseListen parses `HOST:PORT` or `[IPv6]:PORT`: a host name or IPv4 address of letters,
 * digits, `.` and `-`, and a decimal port 0..65535 without leading zeros.
 * @throws UsageError on anything else
 */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(0|[1-9][0-9]{0,4})$/.exec(text);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) throw new UsageError(`--listen ${JSON.stringify(text)}: want HOST:PORT or [IPv6]:PORT, e.g. 127.0.0.1:8080`);
  return { host: m[1] ?? m[2]!, port };
}
