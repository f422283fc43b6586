// The client's added latency taken apart, one call at a time, 600 measured after 100: the provider alone (plain), a raw POST /v1/identities to the log, directoryStore.put alone, runproofFetch without a store and with one. Medians in ms. From the repository root after npm run build.
import { startLog } from '../../../../dist/bench/lib/procs.js';
import { runproofFetch, directoryStore } from '../../../../dist/client/index.js';
import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
const dir = mkdtempSync('data/lat-');
const log = await startLog(dir + '/log');
const ANSWER = JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'ok', refusal: null }, finish_reason: 'stop', logprobs: null }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
const prov = createServer((q, s) => { q.resume(); q.on('end', () => { s.writeHead(200, { 'content-type': 'application/json' }); s.end(ANSWER); }); });
await new Promise((r) => prov.listen(0, '127.0.0.1', r));
const purl = `http://127.0.0.1:${prov.address().port}/v1/chat/completions`;
const med = (a) => { a.sort((x, y) => x - y); return a[Math.floor(a.length / 2)].toFixed(2); };
const mode = process.argv[2] ?? 'store';
const wrappedStore = runproofFetch({ log: log.url, vkey: log.vkey, provider: 'openai', store: dir + '/receipts' });
const wrappedNo = runproofFetch({ log: log.url, vkey: log.vkey, provider: 'openai' });
const st = directoryStore(dir + '/s2');
const headers = { 'content-type': 'application/json', authorization: 'Bearer x' };
const T = { plain: [], post: [], put: [], noStore: [], store: [] };
const time = async (k, f) => { const t = performance.now(); await f(); T[k].push(performance.now() - t); };
try {
  for (let i = 0; i < 700; i++) {
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'q ' + i }], temperature: 0.2 });
    await time('plain', async () => (await fetch(purl, { method: 'POST', headers, body })).arrayBuffer());
    await time('post', async () => { const r = await fetch(`${log.url}/v1/identities`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identity: 'sha256:' + randomBytes(32).toString('hex') }) }); if (r.status !== 200) throw new Error(String(r.status)); await r.arrayBuffer(); });
    const declb = randomBytes(300); const ident = 'sha256:' + createHash('sha256').update(declb).digest('hex');
    await time('put', () => st.put(ident, declb, 'x'.repeat(1500)));
    await time('noStore', async () => (await wrappedNo(purl, { method: 'POST', headers, body: body + ' ' })).arrayBuffer());
    await time('store', async () => (await wrappedStore(purl, { method: 'POST', headers, body })).arrayBuffer());
    if (i === 99) for (const k in T) T[k] = [];
  }
  console.log(Object.entries(T).map(([k, v]) => `${k} ${med(v)}`).join('  '));
} finally { await log.stop(); prov.close(); }
