/**
 * Reading an untrusted HTTP answer with a size limit, for the log client (tlog-tiles reads) and
 * the submission client alike: a log or a proxy that sends more than the limit gets `TOO_LARGE`
 * instead of filling memory. Uses only the standard `Response`, so it runs in browsers too.
 */
import { RunproofError } from '../src/errors.js';
import { readStreamLimited } from './read-stream.js';

/**
 * readLimited reads a response body, failing with `TOO_LARGE` (naming `request`, e.g.
 * `GET <url>`) once it exceeds `maxBytes` — before reading when an unencoded body declares a
 * larger Content-Length, otherwise as soon as the bytes read pass the limit.
 */
export async function readLimited(res: Response, maxBytes: number, request: string, url: string): Promise<Uint8Array> {
  const tooLarge = () => new RunproofError('TOO_LARGE', `${request}: answer is larger than ${maxBytes} bytes`, { evidence: { url } });
  const declared = res.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes && res.headers.get('content-encoding') === null) {
    await res.body?.cancel();
    throw tooLarge();
  }
  if (res.body === null) return new Uint8Array(0);
  return readStreamLimited(res.body, maxBytes, tooLarge);
}
