/**
 * The clock jumping backwards (issue #6): entry times along the log never decrease, whether the
 * clock goes back while the server runs or the server restarts with a clock behind the log.
 * Entry times are read back from the receipts' entries, as a verifier would see them.
 */
import { decodeEntry } from '../../src/note/entry.js';
import { parseTlogProof } from '../../src/note/tlog-proof.js';
import { identityBatchBody } from '../lib/bodies.js';
import { startInProcess } from './in-process.js';

/** What the clock check saw. */
export interface ClockReport {
  /** Entry times in log order, one per batch. */
  times: number[];
  /** Clock readings used, one per batch. */
  clocks: number[];
  /** Index pairs (i, i+1) whose times decrease (must be empty). */
  decreases: number[];
}

/**
 * clockBackwards submits `rounds` batches while the clock follows `jumps` (ms offsets applied in
 * turn, negative = backwards), restarting the server halfway with the clock a day behind.
 */
export async function clockBackwards(jumps: number[] = [0, -3_600_000, 1000, -86_400_000, -1, 5000, -10_000]): Promise<ClockReport> {
  let now = 1_800_000_000_000;
  const clocks: number[] = [];
  const times: number[] = [];
  const clock = () => now;
  let s = await startInProcess({ clock });
  const dir = s.dir;
  try {
    const batch = async () => {
      const res = await fetch(`${s.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: identityBatchBody(20) });
      const { results } = (await res.json()) as { results: { receipt: string }[] };
      if (res.status !== 200) throw new Error(`batch answered ${res.status}`);
      clocks.push(now);
      times.push(decodeEntry(parseTlogProof(results[0]!.receipt).extra!).timestamp);
    };
    for (const [i, j] of jumps.entries()) {
      now += j;
      await batch();
      if (i === Math.floor(jumps.length / 2)) {
        await s.close();
        now -= 86_400_000; // restart a day behind the log
        s = await startInProcess({ dir, clock });
        await batch();
      }
    }
  } finally {
    await s.cleanup();
  }
  const decreases: number[] = [];
  for (let i = 0; i + 1 < times.length; i++) if (times[i + 1]! < times[i]!) decreases.push(i);
  return { times, clocks, decreases };
}
