/**
 * The client library's cost per call (docs/client.md): what `runproofFetch` adds to an inference
 * call — read the body, map it, hash it, submit the identity to a real `runproof-log serve` on
 * loopback, verify the receipt, store declaration and receipt (fsync) — measured against the same
 * call made with plain `fetch` to the same stand-in provider (a small node:http server in this
 * process answering a fixed Chat Completions JSON). Calls alternate between the two, one at a
 * time, so both see the same machine.
 *
 * Second figure: one 10 MB multimodal body (a 7.5 MB image as a base64 data URL), declared
 * verbatim (a 10 MB declaration, hashed and stored) and with `mediaReferences` (the image
 * declared by digest).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runproofFetch } from '../../client/index.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { freshDir } from '../lib/logs.js';
import { startLog } from '../lib/procs.js';

const ANSWER = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1764115200,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Thirty days.', refusal: null }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
});

/** startProvider answers every request, after reading its body, with {@link ANSWER}. */
async function startProvider(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(ANSWER);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function timed(f: () => Promise<Response>): Promise<number> {
  const t = performance.now();
  const res = await f();
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`bench client: HTTP ${res.status}: ${await res.text().catch(() => '')}`);
  return performance.now() - t;
}

export const client: Scenario = {
  name: 'client',
  async run(ctx: BenchContext) {
    const dir = freshDir(ctx, 'client');
    const log = await startLog(join(dir, 'log'));
    const provider = await startProvider();
    try {
      const store = join(dir, 'receipts');
      const wrapped = runproofFetch({ log: log.url, vkey: log.vkey, provider: 'openai', store });
      const media = runproofFetch({ log: log.url, vkey: log.vkey, provider: 'openai', store, mediaReferences: { minBytes: 65536 } });
      const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-bench' };
      const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'What is the notice period in clause 7.2?' }], temperature: 0.2 });
      const call = (f: typeof fetch, b: string) => () => f(provider.url, { method: 'POST', headers, body: b });

      const calls = ctx.quick ? 200 : 1000;
      for (let i = 0; i < 50; i++) {
        await timed(call(fetch, body));
        await timed(call(wrapped, body));
      }
      const plain: number[] = [];
      const through: number[] = [];
      for (let i = 0; i < calls; i++) {
        plain.push(await timed(call(fetch, body)));
        through.push(await timed(call(wrapped, body)));
      }
      plain.sort((a, b) => a - b);
      through.sort((a, b) => a - b);
      const [p50, p99] = [quantile(plain, 0.5), quantile(plain, 0.99)];
      const [w50, w99] = [quantile(through, 0.5), quantile(through, 0.99)];
      ctx.say(`client: plain ${p50.toFixed(2)}/${p99.toFixed(2)} ms, through runproofFetch ${w50.toFixed(2)}/${w99.toFixed(2)} ms (median/p99)`);
      ctx.record({
        scenario: 'client (runproofFetch)',
        figure: 'added latency per call, median',
        value: w50 - p50,
        unit: 'ms',
        baseline: { name: 'the same call with plain fetch, median', value: p50, unit: 'ms' },
        target: '≤ 5 ms median',
        absolute: true,
        met: w50 - p50 <= 5,
        note: `${calls} small Chat Completions calls each way, alternating, one at a time; log on loopback, identity-only submission, receipt verified, declaration and receipt stored with fsync`,
      });
      ctx.record({
        scenario: 'client (runproofFetch)',
        figure: 'added latency per call, p99',
        value: w99 - p99,
        unit: 'ms',
        baseline: { name: 'the same call with plain fetch, p99', value: p99, unit: 'ms' },
      });

      // 10 MB multimodal: a 7.5 MB image as a base64 data URL.
      const image = Buffer.alloc(7_500_000);
      for (let i = 0; i < image.length; i++) image[i] = (i * 131) % 251;
      const big = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe the image.' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${image.toString('base64')}` } }] }] });
      const rounds = ctx.quick ? 3 : 5;
      const bigPlain: number[] = [];
      const bigVerbatim: number[] = [];
      const bigMedia: number[] = [];
      for (let i = 0; i < rounds; i++) {
        bigPlain.push(await timed(call(fetch, big)));
        bigVerbatim.push(await timed(call(wrapped, big)));
        bigMedia.push(await timed(call(media, big)));
      }
      const med = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
      const [b0, b1, b2] = [med(bigPlain), med(bigVerbatim), med(bigMedia)];
      ctx.say(`client 10 MB: plain ${b0.toFixed(0)} ms, verbatim ${b1.toFixed(0)} ms, media references ${b2.toFixed(0)} ms (median of ${rounds})`);
      const bytes = Buffer.byteLength(big).toLocaleString('en-US');
      ctx.record({
        scenario: 'client (runproofFetch)',
        figure: 'added latency, 10 MB multimodal body, verbatim',
        value: b1 - b0,
        unit: 'ms',
        baseline: { name: 'the same call with plain fetch', value: b0, unit: 'ms' },
        note: `${bytes}-byte body, median of ${rounds}: strict parse, RFC 8785, SHA-256 and a ${bytes}-byte declaration stored with fsync`,
      });
      ctx.record({
        scenario: 'client (runproofFetch)',
        figure: 'added latency, 10 MB multimodal body, media references',
        value: b2 - b0,
        unit: 'ms',
        baseline: { name: 'the same call with plain fetch', value: b0, unit: 'ms' },
        note: `the image declared by digest (mediaReferences, minBytes 65536): the declaration is a few hundred bytes`,
      });
    } finally {
      await provider.close();
      await log.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
