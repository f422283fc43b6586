/**
 * Batch bodies read on a worker thread (log-server/http/batch-workers.ts) give exactly what the
 * main thread gives: the same digests and item errors (each naming its item's index), the same
 * refusal of a bad body, and through the app the same answers. The worker runs the BUILT module
 * (dist/log-server/http/batch-worker.js: `npx tsc -p tsconfig.json` first, as for test/e2e).
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunproofError } from '../../src/errors.js';
import { readBatch, type BatchItems, type BatchLimits } from '../../log-server/http/batch-items.js';
import { BatchWorkers } from '../../log-server/http/batch-workers.js';
import { identityHex, openTestLog, postJson, type TestLog } from './setup.js';

const MODULE = new URL('../../dist/log-server/http/batch-worker.js', import.meta.url);
const DECLARATION = readFileSync(new URL('../vectors/declarations/example-2-declaration.json', import.meta.url), 'utf8');
const LIMITS: BatchLimits = { maxBytes: 1 << 20, maxItems: 50 };

function declaration(n: number): Record<string, unknown> {
  const d = JSON.parse(DECLARATION) as Record<string, unknown>;
  d['salt'] = `salt-${String(n).padStart(20, '0')}`;
  return d;
}

/** A batch with good items and every kind of bad one, each at a known index. */
function mixedItems(): unknown[] {
  const noModel = declaration(2);
  delete noModel['model'];
  const badNumber = declaration(3);
  badNumber['salt'] = 0.5;
  return [
    { identity: `sha256:${identityHex(10)}` },
    { declaration: declaration(1) },
    { declaration: noModel },
    { identity: 'sha256:NOT-HEX' },
    { identity: `sha256:${identityHex(10)}` },
    { something: 1 },
    { declaration: declaration(1), identity: `sha256:${identityHex(3)}` },
    'not an object',
    { declaration: badNumber },
    { identity: 42 },
    { declaration: 'a string' },
  ];
}

const encode = (s: string) => new TextEncoder().encode(s);

let workers: BatchWorkers;
beforeAll(() => {
  workers = new BatchWorkers({ threads: 1, minBytes: 0, module: MODULE });
});
afterAll(() => workers.close());

/** outcome is what reading gives: the items, or the refusal's code, message and path. */
async function outcome(read: () => BatchItems | Promise<BatchItems>): Promise<unknown> {
  try {
    const items = await read();
    return { ...items, digests: Buffer.from(items.digests).toString('hex') };
  } catch (e) {
    if (!(e instanceof RunproofError)) throw e;
    return { code: e.code, message: e.message, path: e.path, evidence: e.evidence };
  }
}

describe('BatchWorkers', () => {
  it('reads a mixed batch exactly as the main thread does, errors naming their items', async () => {
    const body = encode(JSON.stringify({ items: mixedItems() }));
    const inline = await outcome(() => readBatch(body, LIMITS));
    expect(await outcome(() => workers.read(body, LIMITS)!)).toEqual(inline);
    const { errors, slots } = inline as BatchItems;
    expect(slots).toEqual([0, 1, 4]);
    expect(errors.map((e) => [e.slot, e.error.code, e.error.path?.slice(0, `$.items[${e.slot}]`.length)])).toEqual([
      [2, 'DECLARATION_INVALID', '$.items[2]'],
      [3, 'IDENTITY_MALFORMED', '$.items[3]'],
      [5, 'MALFORMED_REQUEST', '$.items[5]'],
      [6, 'MALFORMED_REQUEST', '$.items[6]'],
      [7, 'MALFORMED_REQUEST', '$.items[7]'],
      [8, expect.any(String), '$.items[8]'],
      [9, 'IDENTITY_MALFORMED', '$.items[9]'],
      [10, 'DECLARATION_INVALID', '$.items[10]'],
    ]);
  });

  it('refuses a bad body with the same error as the main thread', async () => {
    const deep = `{"items":[{"declaration":${'['.repeat(70)}${']'.repeat(70)}}]}`;
    const bodies = [
      '{"items":[',
      '{"items":[],"items":[]}',
      '{"items":{}}',
      '[1,2]',
      '{"items":[1],"x":2}',
      JSON.stringify({ items: Array.from({ length: 51 }, (_, i) => ({ identity: `sha256:${identityHex(i)}` })) }),
      deep,
      '{"items":["\\ud800"]}',
      '\ufeff{"items":[]}',
      '{"items":[1e999]}',
    ];
    for (const text of bodies) {
      const body = encode(text);
      const inline = await outcome(() => readBatch(body, LIMITS));
      expect(inline).toHaveProperty('code');
      expect(await outcome(() => workers.read(body, LIMITS)!)).toEqual(inline);
    }
  });

  it('leaves small bodies, and bodies beyond its queue, to the caller', async () => {
    const small = new BatchWorkers({ threads: 1, module: MODULE, maxQueued: 1 });
    try {
      expect(small.read(encode('{"items":[]}'), LIMITS)).toBeUndefined();
      const big = encode(JSON.stringify({ items: Array.from({ length: 50 }, () => ({ declaration: declaration(7) })) }));
      const first = small.read(big, LIMITS);
      expect(first).toBeInstanceOf(Promise);
      expect(small.read(big, LIMITS)).toBeUndefined(); // its one queue slot is taken
      await first;
    } finally {
      await small.close();
    }
  });
});

describe('POST /v1/batch with batch workers', () => {
  let inline: TestLog;
  let offloaded: TestLog;
  afterEach(async () => {
    await inline.close();
    await offloaded.close();
  });

  it('answers as the inline path does: same identities, indexes and errors, same refusals', async () => {
    inline = await openTestLog();
    offloaded = await openTestLog({ batchWorkers: workers });
    const text = JSON.stringify({ items: mixedItems() });
    const answers = await Promise.all([inline, offloaded].map(async (t) => {
      const res = await postJson(t.app, '/v1/batch', text);
      expect(res.status).toBe(200);
      const { results } = (await res.json()) as { results: Record<string, unknown>[] };
      // Everything but the entry time and the receipt that carries it.
      return results.map(({ timestamp, receipt, ...rest }): Record<string, unknown> => ({ ...rest, timed: timestamp !== undefined, receipted: receipt !== undefined }));
    }));
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]!.filter((r) => r['error'] !== undefined).length).toBe(8);
    for (const bad of ['{"items":[', '{"items":{}}', JSON.stringify({ items: Array.from({ length: 1001 }, () => 1) })]) {
      const [a, b] = await Promise.all([inline, offloaded].map((t) => postJson(t.app, '/v1/batch', bad)));
      expect(b!.status).toBe(a!.status);
      expect(await b!.text()).toBe(await a!.text());
    }
    expect(offloaded.log.size).toBe(inline.log.size);
  });
});
