/**
 * Looking an identity up: the log's lookup API (`GET /v1/identities/<hex>`) names an index, which
 * is only a hint — the page then fetches that entry from the tiles and proves it included in the
 * verified checkpoint. A log without the API (a static mirror) is searched bundle by bundle,
 * newest first.
 *
 * "Not found" is the log's unsigned word (or a search of what it served): absence cannot be
 * proven short of auditing the whole log, and the page says so.
 */
import { RunproofError } from '../src/errors.js';
import { decodeUtf8, equalBytes } from '../src/encoding/utf8.js';
import { toHex } from '../src/encoding/hex.js';
import { parseIdentity } from '../src/declaration/identity.js';
import { TILE_WIDTH } from '../src/merkle/tiles.js';
import { decodeEntry } from '../src/note/entry.js';
import type { LogSession, ProvenEntry, VerifiedCheckpoint } from './session.js';

/** The outcome of a lookup. */
export type LookupResult =
  | { verdict: 'verified'; entry: ProvenEntry; checkpoint: VerifiedCheckpoint; via: 'api' | 'search' }
  | { verdict: 'not-found'; how: string }
  | { verdict: 'failed'; error: unknown };

/** The largest lookup answer read (a receipt is a few KiB). */
const MAX_ANSWER = 256 * 1024;

/**
 * lookupIdentity finds `identity` in the log and proves it included in the verified checkpoint.
 * Never throws: every failure is a `failed` result with its reason.
 */
export async function lookupIdentity(session: LogSession, identity: string, progress: (text: string) => void = () => undefined): Promise<LookupResult> {
  try {
    const digest = parseIdentity(identity);
    let cp = await session.checkpoint();
    const hint = await askApi(session, digest);
    if (hint === 'absent') return { verdict: 'not-found', how: 'the log answered that it has no entry for this identity (an unsigned answer: absence cannot be proven without auditing the whole log)' };
    if (hint === 'no-api') return await search(session, digest, cp, progress);
    if (hint >= cp.opened.checkpoint.size) {
      // The entry is newer than our checkpoint: fetch (and check the consistency of) a new one.
      await session.poll();
      cp = await session.checkpoint();
      if (hint >= cp.opened.checkpoint.size) {
        throw new RunproofError('PROOF_FAILED', `the log names index ${hint}, beyond its verified checkpoint of size ${cp.opened.checkpoint.size}`);
      }
    }
    const entry = await session.entry(hint, cp);
    if (!equalBytes(entry.identity, digest)) {
      throw new RunproofError('ENTRY_MISMATCH', `the log's lookup named index ${hint}, but the entry proven at ${hint} is sha256:${toHex(entry.identity)}`);
    }
    return { verdict: 'verified', entry, checkpoint: cp, via: 'api' };
  } catch (e) {
    return { verdict: 'failed', error: e };
  }
}

/** askApi asks the lookup API: an index hint, 'absent' (its JSON NOT_FOUND), or 'no-api'. */
async function askApi(session: LogSession, digest: Uint8Array): Promise<number | 'absent' | 'no-api'> {
  let res: Response;
  try {
    res = await fetch(session.client.url(`v1/identities/${toHex(digest)}`), { headers: { Accept: 'application/json' } });
  } catch {
    return 'no-api';
  }
  let body: unknown;
  try {
    body = JSON.parse(decodeUtf8(await readCapped(res, MAX_ANSWER), 'lookup answer'));
  } catch {
    return 'no-api'; // not our API's JSON (a static mirror's 404 page, say)
  }
  const o = body as { index?: unknown; error?: { code?: unknown } };
  if (res.status === 404 && o?.error?.code === 'NOT_FOUND') return 'absent';
  if (res.status === 200 && Number.isSafeInteger(o?.index) && (o.index as number) >= 0) return o.index as number;
  return 'no-api';
}

/** search scans the verified tree's bundles from the newest back for `digest`, then proves the hit. */
async function search(session: LogSession, digest: Uint8Array, cp: VerifiedCheckpoint, progress: (text: string) => void): Promise<LookupResult> {
  const size = cp.opened.checkpoint.size;
  const bundles = Math.ceil(size / TILE_WIDTH);
  for (let b = bundles - 1; b >= 0; b--) {
    if ((bundles - b) % 16 === 0) progress(`searching: ${bundles - b} of ${bundles} bundles`);
    const entries = await session.bundle(b, size);
    for (let i = entries.length - 1; i >= 0; i--) {
      if (equalBytes(decodeEntry(entries[i]!).identity, digest)) {
        const entry = await session.entry(b * TILE_WIDTH + i, cp);
        return { verdict: 'verified', entry, checkpoint: cp, via: 'search' };
      }
    }
  }
  return { verdict: 'not-found', how: `no entry for this identity among the ${size} entries the log served (the log has no lookup API; a search of what it served is not a proof of absence)` };
}

/** readCapped reads a response body, refusing more than `max` bytes (a log answering without end). */
async function readCapped(res: Response, max: number): Promise<Uint8Array> {
  if (res.body === null) return new Uint8Array(0);
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      throw new RunproofError('TOO_LARGE', `lookup answer is larger than ${max} bytes`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
