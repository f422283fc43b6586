/**
 * Bounded-concurrency fetching with in-order delivery: start up to `concurrency` jobs ahead,
 * hand results to the consumer in index order. Lets the audit overlap downloads with hashing
 * while still checking entries strictly left to right (times, duplicates).
 */

/**
 * inOrder yields `job(i)` for i in [from, to), running at most `concurrency` jobs at a time.
 * A failed job rethrows when its turn comes; jobs not yet consumed are then abandoned.
 */
export async function* inOrder<T>(from: number, to: number, concurrency: number, job: (i: number) => Promise<T>): AsyncGenerator<T> {
  const window: Promise<T>[] = [];
  let next = from;
  const start = () => {
    const p = job(next++);
    p.catch(() => undefined); // rethrown when consumed; keeps an early failure from going unhandled
    window.push(p);
  };
  while (next < to && window.length < concurrency) start();
  while (window.length > 0) {
    const value = await window.shift()!;
    if (next < to) start();
    yield value;
  }
}
