/**
 * Submissions through the real app and a real SQLite log: every answer comes with a receipt that
 * the core's offline verifier accepts; duplicates (sequential, concurrent, in one batch) get the
 * existing index; a batch answers one result per item; lookups give fresh receipts.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { declarationIdentity } from '../../src/declaration/identity.js';
import { verifyReceipt } from '../../src/receipt/verify.js';
import { identityHex, openTestLog, postJson, type TestLog } from './setup.js';

const DECLARATION = readFileSync(new URL('../vectors/declarations/example-2-declaration.json', import.meta.url));
const DECLARATION_ID = declarationIdentity(new Uint8Array(DECLARATION)).identity;

/** A valid declaration that differs from the example by its salt. */
function declaration(n: number): Record<string, unknown> {
  const d = JSON.parse(DECLARATION.toString()) as Record<string, unknown>;
  d['salt'] = `salt-${String(n).padStart(20, '0')}`;
  return d;
}

interface Answer {
  identity: string;
  index: number;
  timestamp: number;
  duplicate: boolean;
  receipt: string;
}

let t: TestLog;
beforeEach(async () => {
  t = await openTestLog();
});
afterEach(() => t.close());

describe('POST /v1/declarations', () => {
  it('logs a declaration and answers with a receipt that verifies offline', async () => {
    const res = await postJson(t.app, '/v1/declarations', DECLARATION.toString());
    expect(res.status).toBe(200);
    const a = (await res.json()) as Answer;
    expect(a).toMatchObject({ identity: DECLARATION_ID, index: 0, duplicate: false });
    const v = verifyReceipt({ receipt: a.receipt, declaration: new Uint8Array(DECLARATION), trust: { vkey: t.vkey } });
    expect(v).toMatchObject({ identity: DECLARATION_ID, index: 0, timestamp: a.timestamp, treeSize: 1 });
    expect(t.log.size).toBe(1);
  });

  it('gives the same identity for the same declaration written differently, and marks it duplicate', async () => {
    const first = (await (await postJson(t.app, '/v1/declarations', DECLARATION.toString())).json()) as Answer;
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(DECLARATION.toString()) as object).reverse()), null, 2);
    const again = (await (await postJson(t.app, '/v1/declarations', reordered)).json()) as Answer;
    expect(again).toMatchObject({ identity: first.identity, index: 0, duplicate: true, timestamp: first.timestamp });
    verifyReceipt({ receipt: again.receipt, identity: first.identity, trust: { vkey: t.vkey } });
    expect(t.log.size).toBe(1);
  });

  it('gives concurrent submitters of one declaration one index', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => postJson(t.app, '/v1/declarations', JSON.stringify(declaration(7))).then((r) => r.json() as Promise<Answer>)),
    );
    expect(new Set(answers.map((a) => a.index))).toEqual(new Set([0]));
    expect(answers.filter((a) => !a.duplicate).length).toBe(1);
    for (const a of answers) verifyReceipt({ receipt: a.receipt, declaration: JSON.stringify(declaration(7)), trust: { vkey: t.vkey } });
    expect(t.log.size).toBe(1);
  });

  it('gives many concurrent distinct submissions distinct indexes, each with a valid receipt', async () => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => postJson(t.app, '/v1/declarations', JSON.stringify(declaration(i))).then((r) => r.json() as Promise<Answer>)),
    );
    expect(new Set(answers.map((a) => a.index)).size).toBe(60);
    answers.forEach((a, i) => verifyReceipt({ receipt: a.receipt, declaration: JSON.stringify(declaration(i)), trust: { vkey: t.vkey } }));
    expect(t.log.size).toBe(60);
  });
});

describe('POST /v1/identities', () => {
  it('logs a bare identity with a verifying receipt, and a repeat is a duplicate', async () => {
    const id = `sha256:${identityHex(1)}`;
    const a = (await (await postJson(t.app, '/v1/identities', JSON.stringify({ identity: id }))).json()) as Answer;
    expect(a).toMatchObject({ identity: id, index: 0, duplicate: false });
    verifyReceipt({ receipt: a.receipt, identity: id, trust: { vkey: t.vkey } });
    const b = (await (await postJson(t.app, '/v1/identities', JSON.stringify({ identity: id }))).json()) as Answer;
    expect(b).toMatchObject({ identity: id, index: 0, duplicate: true });
  });
});

describe('POST /v1/batch', () => {
  it('answers one result per item, in order; bad items fail alone', async () => {
    const bad = declaration(2);
    delete bad['model'];
    const items = [
      { identity: `sha256:${identityHex(10)}` },
      { declaration: declaration(1) },
      { declaration: bad },
      { identity: 'sha256:NOT-HEX' },
      { identity: `sha256:${identityHex(10)}` },
      { something: 1 },
      { declaration: declaration(1), identity: `sha256:${identityHex(3)}` },
    ];
    const res = await postJson(t.app, '/v1/batch', JSON.stringify({ items }));
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: (Answer & { error?: { code: string; path?: string } })[] };
    expect(results.length).toBe(items.length);
    expect(results[0]).toMatchObject({ index: 0, duplicate: false });
    expect(results[1]).toMatchObject({ index: 1, duplicate: false });
    expect(results[2]!.error).toMatchObject({ code: 'DECLARATION_INVALID' });
    expect(results[2]!.error!.path).toMatch(/^\$\.items\[2\]\.declaration/);
    expect(results[3]!.error).toMatchObject({ code: 'IDENTITY_MALFORMED', path: '$.items[3].identity' });
    expect(results[4]).toMatchObject({ index: 0, duplicate: true });
    expect(results[5]!.error).toMatchObject({ code: 'MALFORMED_REQUEST' });
    expect(results[6]!.error).toMatchObject({ code: 'MALFORMED_REQUEST' });
    verifyReceipt({ receipt: results[1]!.receipt, declaration: JSON.stringify(declaration(1)), trust: { vkey: t.vkey } });
    expect(t.log.size).toBe(2);
  });

  it('answers without receipts with ?receipts=false, still after the commit', async () => {
    const items = [1, 2].map((i) => ({ identity: `sha256:${identityHex(i)}` }));
    const res = await postJson(t.app, '/v1/batch?receipts=false', JSON.stringify({ items }));
    const { results } = (await res.json()) as { results: Record<string, unknown>[] };
    expect(results.map((r) => Object.keys(r).sort())).toEqual([
      ['duplicate', 'identity', 'index', 'timestamp'],
      ['duplicate', 'identity', 'index', 'timestamp'],
    ]);
    expect(t.log.size).toBe(2);
    const bad = await postJson(t.app, '/v1/batch?receipts=no', JSON.stringify({ items }));
    expect(bad.status).toBe(400);
  });

  it('accepts an empty batch', async () => {
    const res = await postJson(t.app, '/v1/batch', '{"items":[]}');
    expect(await res.json()).toEqual({ results: [] });
  });
});

describe('GET /v1/identities/<hex>', () => {
  it('finds a logged identity with a fresh receipt against the latest checkpoint', async () => {
    await postJson(t.app, '/v1/identities', JSON.stringify({ identity: `sha256:${identityHex(5)}` }));
    await postJson(t.app, '/v1/batch', JSON.stringify({ items: [1, 2, 3].map((i) => ({ identity: `sha256:${identityHex(100 + i)}` })) }));
    const res = await t.app.request(`/v1/identities/${identityHex(5)}`);
    expect(res.status).toBe(200);
    const a = (await res.json()) as Answer;
    expect(a).toMatchObject({ identity: `sha256:${identityHex(5)}`, index: 0 });
    const v = verifyReceipt({ receipt: a.receipt, identity: a.identity, trust: { vkey: t.vkey } });
    expect(v.treeSize).toBe(4);
  });
});

describe('operations', () => {
  it('serves health, metrics and an OpenAPI 3.1 document naming every route', async () => {
    await postJson(t.app, '/v1/identities', JSON.stringify({ identity: `sha256:${identityHex(1)}` }));
    await postJson(t.app, '/v1/identities', '{');
    expect(await (await t.app.request('/healthz')).json()).toEqual({ status: 'ok', size: 1 });
    const metrics = await (await t.app.request('/metrics')).text();
    expect(metrics).toMatch(/^runproof_log_tree_size 1$/m);
    expect(metrics).toMatch(/^runproof_log_rejections_total\{code="JSON_SYNTAX"\} 1$/m);
    expect(metrics).toMatch(/^runproof_log_submission_seconds_count 1$/m);
    expect(metrics).toMatch(/^runproof_log_batch_entries_count [1-9]/m);
    const doc = (await (await t.app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/checkpoint', '/tile/{L}/{N}', '/tile/entries/{N}', '/v1/declarations', '/v1/identities', '/v1/batch', '/v1/identities/{hex}', '/v1/proofs/consistency', '/healthz', '/metrics', '/openapi.json']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
  });
});
