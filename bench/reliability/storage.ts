/**
 * Storage faults through the HTTP API (issue #6): a full database (`PRAGMA max_page_count`
 * pinned to the current size) and a read-only database (`PRAGMA query_only`, which SQLite
 * reports as SQLITE_READONLY exactly as for a read-only file) must
 *   - answer submissions with a clear 503 (code UNAVAILABLE, Retry-After),
 *   - write nothing: same checkpoint, same tiles, the refused identities not found,
 *   - keep serving reads and already-logged identities,
 *   - recover once space or write access returns, with the new checkpoint consistent with the old.
 */
import { fromBase64 } from '../../src/encoding/base64.js';
import { parseCheckpoint } from '../../src/note/checkpoint.js';
import { parseNote } from '../../src/note/note.js';
import { verifyConsistency } from '../../src/merkle/proof.js';
import { ReceiptVerifier } from '../../src/receipt/verify.js';
import { identityBatchBody } from '../lib/bodies.js';
import { startInProcess, type InProcessLog } from './in-process.js';

/** The outcome of one fault. */
export interface FaultReport {
  fault: 'full' | 'read-only';
  /** Status and error code of the refused batch. */
  refused: { status: number; code: string | undefined; retryAfter: string | null };
  /** Whether anything changed while the fault held (must be false). */
  changed: boolean;
  /** Whether a logged identity was still answered during the fault. */
  servedDuring: boolean;
  /** Whether submissions worked again afterwards and the log stayed consistent. */
  recovered: boolean;
}

async function post(url: string, path: string, body: string): Promise<{ status: number; json: Record<string, unknown>; retryAfter: string | null }> {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, retryAfter: res.headers.get('retry-after') };
}

async function state(s: InProcessLog): Promise<string> {
  const cp = await (await fetch(`${s.url}/checkpoint`)).text();
  const size = parseCheckpoint(parseNote(cp).text).size;
  const tile = size > 0 ? Buffer.from(await (await fetch(`${s.url}/tile/0/${String(Math.floor(size / 256)).padStart(3, '0')}${size % 256 ? `.p/${size % 256}` : ''}`)).arrayBuffer()).toString('hex') : '';
  return `${cp}\n${tile}`;
}

/** storageFault runs one fault against a fresh in-process log and reports what happened. */
export async function storageFault(fault: 'full' | 'read-only', items = 500): Promise<FaultReport> {
  const s = await startInProcess();
  try {
    const first = await post(s.url, '/v1/batch', identityBatchBody(300));
    if (first.status !== 200) throw new Error(`setup batch answered ${first.status}`);
    const logged = (first.json['results'] as { identity: string }[])[0]!.identity;
    const before = await state(s);
    const oldCp = parseCheckpoint(parseNote(await (await fetch(`${s.url}/checkpoint`)).text()).text);

    if (fault === 'full') s.db.pragma(`max_page_count = ${s.db.pragma('page_count', { simple: true }) as number}`);
    else s.db.pragma('query_only = 1');
    const body = identityBatchBody(items);
    const refused = await post(s.url, '/v1/batch', body);
    const one = JSON.parse(body) as { items: { identity: string }[] };
    const missing = await fetch(`${s.url}/v1/identities/${one.items[0]!.identity.slice(7)}`);
    const during = await fetch(`${s.url}/v1/identities/${logged.slice(7)}`);
    await during.arrayBuffer();
    await missing.arrayBuffer();
    const changed = (await state(s)) !== before || missing.status !== 404;

    if (fault === 'full') s.db.pragma('max_page_count = 1073741823');
    else s.db.pragma('query_only = 0');
    const again = await post(s.url, '/v1/batch', body);
    let recovered = again.status === 200;
    if (recovered) {
      const results = again.json['results'] as { identity: string; receipt: string; error?: unknown }[];
      const v = new ReceiptVerifier({ vkey: s.vkey });
      for (const r of results) {
        if (r.error !== undefined) recovered = false;
        else v.verify({ receipt: r.receipt, identity: r.identity });
      }
      const newCp = parseCheckpoint(parseNote(await (await fetch(`${s.url}/checkpoint`)).text()).text);
      const proof = (await (await fetch(`${s.url}/v1/proofs/consistency?old=${oldCp.size}&new=${newCp.size}`)).text()).split('\n').filter((l) => l).map((l) => fromBase64(l, 32));
      verifyConsistency(oldCp.size, newCp.size, oldCp.root, newCp.root, proof);
      recovered &&= newCp.size === oldCp.size + items;
    }
    const err = refused.json['error'] as { code?: string } | undefined;
    return { fault, refused: { status: refused.status, code: err?.code, retryAfter: refused.retryAfter }, changed, servedDuring: during.status === 200, recovered };
  } finally {
    await s.cleanup();
  }
}
