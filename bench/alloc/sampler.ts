/**
 * Loaded into `runproof-log serve` with `node --import` by ../alloc-profile.ts: V8's sampling heap
 * profiler, keeping the samples of objects already collected (so it counts what was allocated,
 * not what is still alive), switched on by the first SIGUSR2 and off by the second, which writes
 * the profile to the file named by RUNPROOF_ALLOC_PROFILE. Bench tooling only.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const out = process.env['RUNPROOF_ALLOC_PROFILE'];
if (out === undefined) throw new Error('alloc sampler: RUNPROOF_ALLOC_PROFILE is not set');
const session = new Session();
session.connect();
/** Bytes between samples: small enough for ~1,000 samples per second at these rates. */
const INTERVAL = 4096;
let on = false;
process.on('SIGUSR2', () => {
  on = !on;
  if (on) {
    session.post('HeapProfiler.startSampling', { samplingInterval: INTERVAL, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    return;
  }
  session.post('HeapProfiler.stopSampling', (err, r) => {
    if (err !== null) throw err;
    writeFileSync(out, JSON.stringify(r.profile));
  });
});
