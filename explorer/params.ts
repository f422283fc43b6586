/**
 * The page's parameters: `#log=URL&vkey=…&policy=…&identity=sha256:…&poll=S` in the fragment (never
 * sent to any server), plus `?log=URL` in the query for a log on another origin (the server that
 * serves this page widens its Content-Security-Policy to that one origin; docs/explorer.md).
 *
 * Values are percent-decoded but `+` stays `+`: verifier keys are base64 and contain it
 * (URLSearchParams would turn it into a space).
 */

/** The parameters the page understands. */
export interface PageParams {
  log?: string;
  vkey?: string;
  policy?: string;
  identity?: string;
  /** Seconds between checkpoint polls (1–60; default 5). */
  poll?: string;
}

const NAMES = ['log', 'vkey', 'policy', 'identity', 'poll'] as const;

/** pollMs reads the `poll` parameter: whole seconds from 1 to 60, else the default of 5 s. */
export function pollMs(p: PageParams): number {
  const n = Number(p.poll);
  return Number.isInteger(n) && n >= 1 && n <= 60 ? n * 1000 : 5000;
}

/** parseParams reads `name=value` pairs separated by `&` (the first of each name wins). */
export function parseParams(text: string): PageParams {
  const out: PageParams = {};
  for (const pair of text.replace(/^[#?]/, '').split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq) as (typeof NAMES)[number];
    if (!NAMES.includes(name) || out[name] !== undefined) continue;
    try {
      out[name] = decodeURIComponent(pair.slice(eq + 1));
    } catch {
      // a malformed escape: ignore the parameter
    }
  }
  return out;
}

/** formatParams writes parameters for a fragment or query (without `#`/`?`). */
export function formatParams(p: PageParams): string {
  return NAMES.filter((n) => p[n] !== undefined)
    .map((n) => `${n}=${encodeURIComponent(p[n]!)}`)
    .join('&');
}

/**
 * defaultLogUrl is the log this copy of the page belongs to: the directory it is served from
 * (`https://log.example/` → `https://log.example`, a mirror at `https://cdn.example/log/` →
 * `https://cdn.example/log`).
 */
export function defaultLogUrl(location: Location): string {
  return new URL('.', location.href).href.replace(/\/+$/, '');
}
