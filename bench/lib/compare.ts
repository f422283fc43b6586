/**
 * Alternating measurements: the machine is shared and its load swings within seconds, so a
 * figure and its baseline are measured in turns (A B A B …) and the best round of each is kept.
 */
import type { LoadResult } from './load.js';

/** The best (highest-rate) result of each side over `rounds` alternating rounds. */
export async function alternate(rounds: number, base: () => Promise<LoadResult>, subject: () => Promise<LoadResult>): Promise<{ base: LoadResult; subject: LoadResult; all: { base: number[]; subject: number[] } }> {
  let b: LoadResult | undefined;
  let s: LoadResult | undefined;
  const all = { base: [] as number[], subject: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    const rb = await base();
    all.base.push(rb.perSecond);
    if (b === undefined || rb.perSecond > b.perSecond) b = rb;
    const rs = await subject();
    all.subject.push(rs.perSecond);
    if (s === undefined || rs.perSecond > s.perSecond) s = rs;
  }
  return { base: b!, subject: s!, all };
}

/** rates formats the per-round rates for a note. */
export function rates(xs: number[]): string {
  return xs.map((x) => Math.round(x).toLocaleString('en-US')).join(', ');
}
