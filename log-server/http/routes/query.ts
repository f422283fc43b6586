/**
 * Convenience reads (docs/log-server.md, "Lookups and proofs"): look an identity up with a fresh receipt, and consistency
 * proofs for monitors that would rather not compute them from tiles.
 */
import type { Context, Hono } from 'hono';
import { toBase64 } from '../../../src/encoding/base64.js';
import { parseDecimal } from '../../../src/encoding/decimal.js';
import { fromHex } from '../../../src/encoding/hex.js';
import { RunproofError } from '../../../src/errors.js';
import { decodeEntry } from '../../../src/note/entry.js';
import { formatIdentity } from '../../../src/declaration/identity.js';
import type { AppSettings } from '../context.js';
import { IMMUTABLE, rawPath } from './read.js';

/** The one value of query parameter `name`, parsed as a canonical decimal. */
function sizeParam(c: Context, name: string): number {
  const all = c.req.queries(name);
  if (all === undefined || all.length !== 1) {
    throw new RunproofError('MALFORMED_REQUEST', `query parameter ${name} must be given exactly once`, { path: name });
  }
  try {
    return parseDecimal(all[0]!, name);
  } catch (e) {
    if (e instanceof RunproofError) throw new RunproofError('MALFORMED_REQUEST', e.message, { path: name });
    throw e;
  }
}

/** queryRoutes adds `GET /v1/identities/<hex>` and `GET /v1/proofs/consistency`. */
export function queryRoutes(app: Hono, s: AppSettings): void {
  app.get('/v1/identities/:hex', async (c) => {
    const hex = rawPath(c.req.url).slice('/v1/identities/'.length); // as sent: no percent-decoding
    let digest: Uint8Array;
    try {
      digest = fromHex(hex, 32, 'identity');
    } catch {
      throw new RunproofError('IDENTITY_MALFORMED', 'want /v1/identities/<64 lowercase hex digits>', { path: 'identity' });
    }
    const found = await s.log.lookup(digest);
    if (found === undefined) throw new RunproofError('NOT_FOUND', `sha256:${hex} is not in this log`);
    const receipt = await s.receipt(found.index, s.cosign(s.log.latest().signed), found.entry);
    return c.json(
      { identity: formatIdentity(digest), index: found.index, timestamp: decodeEntry(found.entry).timestamp, receipt },
      200,
      { 'Cache-Control': 'no-cache' },
    );
  });

  // RFC 9162 §2.1.4: a proof exists for 0 < old <= new <= size; each line is one base64 hash.
  app.get('/v1/proofs/consistency', async (c) => {
    const oldSize = sizeParam(c, 'old');
    const newSize = sizeParam(c, 'new');
    if (oldSize < 1 || oldSize > newSize) {
      throw new RunproofError('MALFORMED_REQUEST', `want 0 < old <= new, got old=${oldSize} new=${newSize}`, { path: 'old' });
    }
    const size = s.log.size;
    if (newSize > size) throw new RunproofError('NOT_FOUND', `the log has ${size} entries, fewer than new=${newSize}`, { path: 'new' });
    const proof = oldSize === newSize ? [] : await s.log.consistencyProof(oldSize, newSize);
    let body = '';
    for (const h of proof) body += toBase64(h) + '\n';
    return c.body(body, 200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': IMMUTABLE });
  });
}
