import { startLog } from '/work/main/dist/bench/lib/procs.js';
import { declareCanonical } from '/work/main/dist/client/declare.js';
import { directoryStore } from '/work/main/dist/client/store.js';
import { ReceiptVerifier } from '/work/main/dist/src/receipt/verify.js';
import { canonicalJson } from '/work/main/dist/src/json/canonical.js';
import { mkdtempSync } from 'node:fs';
const dir = mkdtempSync('/tmp/cph-');
const log = await startLog(dir + '/log');
const verifier = new ReceiptVerifier({ vkey: log.vkey });
const store = directoryStore(dir + '/store');
const phases = { submit: [], verify: [], store: [], all: [] };
const origVerify = verifier.verify.bind(verifier);
let vt = 0;
verifier.verify = (x) => { const t = performance.now(); try { return origVerify(x); } finally { vt = performance.now() - t; } };
const enc = new TextEncoder();
for (let i = 0; i < 400; i++) {
  const canonical = enc.encode(canonicalJson({ v: 'run-declaration/v1', model: 'm', salt: String(i) + Math.random() }));
  const t0 = performance.now();
  const d = await declareCanonical(canonical, verifier, { log: log.url });
  const t1 = performance.now();
  await store.put(d.identity, d.declaration, d.receipt);
  const t2 = performance.now();
  if (i >= 50) { phases.submit.push(t1 - t0 - vt); phases.verify.push(vt); phases.store.push(t2 - t1); phases.all.push(t2 - t0); }
}
await log.stop();
const med = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)].toFixed(2);
console.log(Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, med(v)])));
