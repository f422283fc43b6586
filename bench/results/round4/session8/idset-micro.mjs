// IdentitySet.add of 1M random identities laid out as bundles (43-byte records, prefetched 256 at
// a time, as the audit adds them), the given checkouts' builds alternating; ns per add and the
// heap's external + array-buffer growth. node bench/results/round4/session8/idset-micro.mjs <checkout> …
import { randomBytes } from 'node:crypto';
const roots = process.argv.slice(2);
const sets = await Promise.all(roots.map((r) => import(`${r}/dist/verifier/audit/identity-set.js`)));
const n = 1_000_000;
const record = 43;
const data = new Uint8Array(randomBytes(record * n));
const out = roots.map(() => []);
for (let round = 0; round < 5; round++)
  for (let k = 0; k < roots.length; k++) {
    const set = new sets[k].IdentitySet(n);
    const t = process.hrtime.bigint();
    for (let from = 0; from < n; from += 256) {
      const count = Math.min(256, n - from);
      set.prefetch(data, from * record + 11, record, count);
      for (let i = from; i < from + count; i++) if (set.add(data, i * record + 11) !== -1) throw new Error('candidate');
      set.endPrefetch();
    }
    out[k].push((Number(process.hrtime.bigint() - t) / n).toFixed(0));
  }
roots.forEach((r, k) => console.log(r, out[k].join(' '), 'ns per add'));
