/**
 * The batch answer writer (log-server/http/batch-answer.ts) must give exactly the bytes of
 * `JSON.stringify({ results })` in UTF-8, a receipt given in parts standing for its tlog-proof
 * text: receipts against one or several checkpoints (with cosignatures, non-ASCII origins),
 * errors with non-ASCII messages, quorum answers, receipts given as text, answers without
 * receipts, and identities that need escaping.
 */
import { describe, expect, it } from 'vitest';
import { encodeBatchAnswer, encodeSubmitAnswer, type AcceptedResult, type BatchResult } from '../../log-server/http/batch-answer.js';
import { receiptText } from '../../log-server/receipts.js';
import type { ReceiptParts } from '../../log-server/receipts.js';
import { formatTlogProof, parseTlogProof } from '../../src/note/tlog-proof.js';

const CHECKPOINT = 'test.runproof.local/log\n12\nq83PZ6a0WnCEXxV9r6y2mUIG6JZ+1uU0zD2Ttg8JmVc=\n\n— test.runproof.local/log AAAA1Bx5k1hHdrRVf4p3o1gEMb8=\n';
const COSIGNED = `${CHECKPOINT}— witness.example/w1 BBBBcosig+/=\n`;
const UNICODE = 'exämple.org/lög\n12\nq83PZ6a0WnCEXxV9r6y2mUIG6JZ+1uU0zD2Ttg8JmVc=\n\n— exämple.org/lög AAAA1Bx5k1hHdrRVf4p3o1gEMb8=\n';
const odd = 'ünïcode "quoted" back\\slash \u0001 tab\t — \ud800 lone';

function parts(index: number, checkpoint: string, lines = 3): ReceiptParts {
  const path = Array.from({ length: lines }, (_, i) => Buffer.alloc(32, index + i).toString('base64'));
  return { extra: Buffer.alloc(41, index).toString('base64'), index, path, checkpoint };
}

/** The results with each receipt's parts replaced by its text: what the answer must encode. */
function asText(results: BatchResult[]): unknown[] {
  return results.map((r) => ('error' in r || typeof r.receipt !== 'object' ? r : { ...r, receipt: receiptText(r.receipt) }));
}

function same(results: BatchResult[]): void {
  const bytes = encodeBatchAnswer(results);
  expect(bytes.toString('utf8')).toBe(JSON.stringify({ results: asText(results) }));
  expect(bytes.equals(Buffer.from(JSON.stringify({ results: asText(results) }), 'utf8'))).toBe(true);
}

describe('encodeBatchAnswer', () => {
  it('writes exactly JSON.stringify({results}) for receipts, errors and acknowledgements', () => {
    same([
      { identity: `sha256:${'ab'.repeat(32)}`, index: 0, timestamp: 1764662400000, duplicate: false, receipt: parts(0, CHECKPOINT) },
      { error: { code: 'DECLARATION_INVALID', message: odd, path: '$.items[1].declaration.model' } },
      { identity: `sha256:${'cd'.repeat(32)}`, index: 7, timestamp: 1764662400001, duplicate: true, receipt: parts(7, COSIGNED, 20) },
      { identity: `sha256:${'ef'.repeat(32)}`, index: 8, timestamp: 1764662400001, duplicate: false },
      { identity: `sha256:${'01'.repeat(32)}`, index: 9, timestamp: 1764662400002, duplicate: false, receipt: parts(9, CHECKPOINT), quorum: { required: 2, met: false } },
      { error: { code: 'MALFORMED_REQUEST', message: 'want a JSON object' } },
      { identity: `sha256:${'23'.repeat(32)}`, index: 10, timestamp: 1764662400002, duplicate: false, receipt: parts(10, UNICODE, 0) },
      { identity: `sha256:${'45'.repeat(32)}`, index: 11, timestamp: 1764662400002, duplicate: false, receipt: `${odd}\n${CHECKPOINT}` },
      { identity: `sha256:"${odd}`, index: 12, timestamp: 5, duplicate: false, receipt: parts(12, CHECKPOINT) },
      { identity: `sha256:${'67'.repeat(32)}`, index: 13, timestamp: 1764662400002, duplicate: false, receipt: parts(13, CHECKPOINT, 40) },
    ]);
  });

  it('writes empty and one-item answers', () => {
    same([]);
    same([{ identity: 'sha256:00', index: 0, timestamp: 0, duplicate: false, receipt: parts(0, CHECKPOINT) }]);
  });

  it('stands receipt parts for the tlog-proof text the one writer gives', () => {
    const p = parts(5, CHECKPOINT, 4);
    const proof = parseTlogProof(receiptText(p));
    expect(proof.index).toBe(5);
    expect(proof.checkpoint).toBe(CHECKPOINT);
    // Path texts are root end first in the parts, leaf end first in the proof.
    expect(proof.path.map((h) => Buffer.from(h).toString('base64'))).toEqual([...p.path].reverse());
    expect(receiptText(p)).toBe(formatTlogProof(proof));
  });
});

describe('encodeSubmitAnswer', () => {
  /** The JSON text the Hono route answers with: the result with its receipt as text. */
  const text = (r: AcceptedResult) => JSON.stringify({ ...r, receipt: receiptText(r.receipt) });

  it('writes exactly JSON.stringify(result), the receipt parts standing for their text', () => {
    const kept = new Map<string, Buffer>();
    const results: AcceptedResult[] = [
      { identity: `sha256:${'ab'.repeat(32)}`, index: 0, timestamp: 1764662400000, duplicate: false, receipt: parts(0, CHECKPOINT) },
      { identity: `sha256:${'cd'.repeat(32)}`, index: 7, timestamp: 1764662400001, duplicate: true, receipt: parts(7, COSIGNED, 20) },
      { identity: `sha256:${'23'.repeat(32)}`, index: 10, timestamp: 1764662400002, duplicate: false, receipt: parts(10, UNICODE, 0) },
      // Not written directly (needs escaping): JSON.stringify's bytes all the same.
      { identity: `sha256:"${odd}`, index: 12, timestamp: 5, duplicate: false, receipt: parts(12, CHECKPOINT) },
      { identity: `sha256:${'01'.repeat(32)}`, index: 9, timestamp: 1764662400002, duplicate: false, receipt: parts(9, CHECKPOINT), quorum: { required: 2, met: false } },
    ];
    for (const r of [...results, ...results]) {
      const bytes = encodeSubmitAnswer(r, kept);
      expect(bytes.toString('utf8')).toBe(text(r));
      expect(bytes.equals(Buffer.from(text(r), 'utf8'))).toBe(true);
    }
  });

  it('keeps a few escaped checkpoints between answers, never a wrong one', () => {
    const kept = new Map<string, Buffer>();
    // More distinct checkpoints than are kept, then the first ones again: each answer still ends
    // with its own checkpoint, and the cache never grows past its bound.
    const checkpoints = Array.from({ length: 40 }, (_, i) => CHECKPOINT.replace('\n12\n', `\n${12 + i}\n`));
    for (const cp of [...checkpoints, ...checkpoints.slice(0, 5)]) {
      const r: AcceptedResult = { identity: `sha256:${'ef'.repeat(32)}`, index: 3, timestamp: 9, duplicate: false, receipt: parts(3, cp, 2) };
      expect(encodeSubmitAnswer(r, kept).toString('utf8')).toBe(text(r));
      expect(kept.size).toBeLessThanOrEqual(16);
    }
  });
});
