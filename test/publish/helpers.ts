/** Shared pieces of the publish tests: declarations, submissions, waiting for the mirror. */
import { readFileSync } from 'node:fs';

const EXAMPLE = readFileSync(new URL('../vectors/declarations/example-2-declaration.json', import.meta.url)).toString();

/** declaration returns a valid declaration, distinct for each (tag, i). */
export function declaration(tag: string, i: number): string {
  const d = JSON.parse(EXAMPLE) as Record<string, unknown>;
  d['salt'] = `${tag}-${String(i).padStart(22, '0')}`;
  return JSON.stringify(d);
}

/** A submission's answer. */
export interface Answer {
  identity: string;
  index: number;
  receipt: string;
}

/** submitAll posts `count` declarations, `parallel` at a time, and returns the answers (all must be 200). */
export async function submitAll(url: string, tag: string, count: number, parallel = 16): Promise<{ body: string; answer: Answer }[]> {
  const out: { body: string; answer: Answer }[] = [];
  for (let i = 0; i < count; i += parallel) {
    const bodies = Array.from({ length: Math.min(parallel, count - i) }, (_, j) => declaration(tag, i + j));
    const answers = await Promise.all(
      bodies.map(async (body) => {
        const res = await fetch(`${url}/v1/declarations`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
        return (await res.json()) as Answer;
      }),
    );
    bodies.forEach((body, j) => out.push({ body, answer: answers[j]! }));
  }
  return out;
}

/** The `publish` member of `/healthz`. */
export interface PublishHealth {
  target: string;
  size: number;
  error?: string;
  failures: number;
  written: number;
}

/** health reads `/healthz`. */
export async function health(url: string): Promise<{ size: number; publish: PublishHealth[] }> {
  return (await (await fetch(`${url}/healthz`)).json()) as { size: number; publish: PublishHealth[] };
}

/** waitFor polls `check` every 50 ms until it returns true, or throws after `ms`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** caughtUp waits until every publication target of the log at `url` holds its latest checkpoint. */
export async function caughtUp(url: string, ms = 20_000): Promise<void> {
  await waitFor('the mirror to catch up', async () => {
    const h = await health(url);
    return h.publish.every((p) => p.size === h.size && p.error === undefined);
  }, ms);
}
