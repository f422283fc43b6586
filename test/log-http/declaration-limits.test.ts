/**
 * The log's declaration endpoints follow the one size and depth rule of docs/specification.md
 * §2.1 (the same as the CLI, the library and the client), not their HTTP framing: a declaration
 * may nest 64 deep inside a batch item (which itself sits three containers deep), and 65 is
 * refused with the declaration's path, whichever endpoint carries it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openTestLog, postJson, errorCode, type TestLog } from './setup.js';

let t: TestLog | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A declaration whose parameters.d nests `n` arrays: the declaration's depth is n + 2. */
const declarationOfDepth = (depth: number) => ({
  schema: 'run-declaration/v1',
  api: 'generic',
  model: { provider: 'example', name: `depth-${depth}` },
  parameters: { d: JSON.parse('['.repeat(depth - 2) + ']'.repeat(depth - 2)) as unknown },
  context: {},
});

describe('declaration depth on the log', () => {
  it('/v1/declarations: depth 64 is accepted, 65 is JSON_TOO_DEEP', async () => {
    t = await openTestLog();
    expect((await postJson(t.app, '/v1/declarations', JSON.stringify(declarationOfDepth(64)))).status).toBe(200);
    const res = await postJson(t.app, '/v1/declarations', JSON.stringify(declarationOfDepth(65)));
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('JSON_TOO_DEEP');
  });

  it('/v1/batch: a depth-64 declaration is logged; a depth-65 one refuses the batch with its path', async () => {
    t = await openTestLog();
    const ok = await postJson(t.app, '/v1/batch', JSON.stringify({ items: [{ declaration: declarationOfDepth(64) }] }));
    expect(ok.status).toBe(200);
    const { results } = (await ok.json()) as { results: { identity?: string }[] };
    expect(results[0]!.identity).toMatch(/^sha256:/);
    const res = await postJson(t.app, '/v1/batch', JSON.stringify({ items: [{ declaration: declarationOfDepth(64) }, { declaration: declarationOfDepth(65) }] }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'JSON_TOO_DEEP', path: '$.items[1].declaration.parameters.d' + '[0]'.repeat(62) } });
    expect(t.log.size).toBe(1);
  });
});
