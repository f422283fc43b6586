/**
 * Alternating measurements: the machine is shared and its load swings within seconds, so a
 * figure and its baseline are measured in turns (A B A B …) and the best round of each is kept.
 */
import type { LoadResult } from './load.js';

/** The best (highest-rate) result of each side over `rounds` alternating rounds; each side is told the round (0, 1, …). */
export async function alternate(rounds: number, base: (round: number) => Promise<LoadResult>, subject: (round: number) => Promise<LoadResult>): Promise<{ base: LoadResult; subject: LoadResult; all: { base: number[]; subject: number[] } }> {
  let b: LoadResult | undefined;
  let s: LoadResult | undefined;
  const all = { base: [] as number[], subject: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    const rb = await base(i);
    all.base.push(rb.perSecond);
    if (b === undefined || rb.perSecond > b.perSecond) b = rb;
    const rs = await subject(i);
    all.subject.push(rs.perSecond);
    if (s === undefined || rs.perSecond > s.perSecond) s = rs;
  }
  return { base: b!, subject: s!, all };
}

/** rates formats the per-round rates for a note. */
export function rates(xs: number[]): string {
  return xs.map((x) => Math.round(x).toLocaleString('en-US')).join(', ');
}

/** warmupFor is the warm-up of an alternating round: the first only, as a later round's server has just run the same load. */
export function warmupFor(round: number, warmup: number): number {
  return round === 0 ? warmup : 0;
}
