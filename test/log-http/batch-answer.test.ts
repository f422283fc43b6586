/**
 * The batch answer writer (log-server/http/batch-answer.ts) must give exactly the bytes of
 * `JSON.stringify({ results })` in UTF-8, whatever the results hold: receipts ending with their
 * checkpoint (the fast form), receipts that do not, errors with non-ASCII messages, quorum
 * answers, answers without receipts, and strings that need escaping.
 */
import { describe, expect, it } from 'vitest';
import { encodeBatchAnswer, type BatchResult } from '../../log-server/http/batch-answer.js';

const CHECKPOINT = 'test.runproof.local/log\n12\nq83PZ6a0WnCEXxV9r6y2mUIG6JZ+1uU0zD2Ttg8JmVc=\n\n— test.runproof.local/log AAAA1Bx5k1hHdrRVf4p3o1gEMb8=\n';
const COSIGNED = `${CHECKPOINT}— witness.example/w1 BBBBcosig+/=\n`;
const odd = 'ünïcode "quoted" back\\slash \u0001 tab\t — \ud800 lone';

function receipt(index: number, checkpoint: string, lines = 3): string {
  let path = '';
  for (let i = 0; i < lines; i++) path += `${Buffer.alloc(32, index + i).toString('base64')}\n`;
  return `c2sp.org/tlog-proof@v1\nextra ${Buffer.alloc(41, index).toString('base64')}\nindex ${index}\n${path}\n${checkpoint}`;
}

function same(results: BatchResult[], checkpointOf: (k: number) => string | undefined): void {
  expect(encodeBatchAnswer(results, checkpointOf).equals(Buffer.from(JSON.stringify({ results }), 'utf8'))).toBe(true);
}

describe('encodeBatchAnswer', () => {
  it('writes exactly JSON.stringify({results}) for receipts, errors and acknowledgements', () => {
    const results: BatchResult[] = [
      { identity: `sha256:${'ab'.repeat(32)}`, index: 0, timestamp: 1764662400000, duplicate: false, receipt: receipt(0, CHECKPOINT) },
      { error: { code: 'DECLARATION_INVALID', message: odd, path: '$.items[1].declaration.model' } },
      { identity: `sha256:${'cd'.repeat(32)}`, index: 7, timestamp: 1764662400001, duplicate: true, receipt: receipt(7, COSIGNED, 20) },
      { identity: `sha256:${'ef'.repeat(32)}`, index: 8, timestamp: 1764662400001, duplicate: false },
      { identity: `sha256:${'01'.repeat(32)}`, index: 9, timestamp: 1764662400002, duplicate: false, receipt: receipt(9, CHECKPOINT), quorum: { required: 2, met: false } },
      { error: { code: 'MALFORMED_REQUEST', message: 'want a JSON object' } },
    ];
    const cps = [CHECKPOINT, undefined, COSIGNED, undefined, CHECKPOINT, undefined];
    same(results, (k) => cps[k]);
  });

  it('falls back to JSON.stringify for a receipt that does not end with the named checkpoint, or has odd text', () => {
    const results: BatchResult[] = [
      { identity: `sha256:${'ab'.repeat(32)}`, index: 1, timestamp: 5, duplicate: false, receipt: receipt(1, COSIGNED) },
      { identity: `sha256:${'ab'.repeat(32)}`, index: 2, timestamp: 5, duplicate: false, receipt: `${odd}\n${CHECKPOINT}` },
      { identity: `sha256:"${odd}`, index: 3, timestamp: 5, duplicate: false, receipt: receipt(3, CHECKPOINT) },
      { identity: `sha256:${'ab'.repeat(32)}`, index: 4, timestamp: 5, duplicate: false, receipt: receipt(4, CHECKPOINT) },
    ];
    const cps = ['a checkpoint it does not end with', CHECKPOINT, CHECKPOINT, undefined];
    same(results, (k) => cps[k]);
  });

  it('writes empty and one-item answers', () => {
    same([], () => undefined);
    same([{ identity: 'sha256:00', index: 0, timestamp: 0, duplicate: false, receipt: receipt(0, CHECKPOINT) }], () => CHECKPOINT);
  });
});
