/**
 * Hostile input (issue #6): every parser of untrusted text or bytes, fed generated inputs
 * (fast-check): random strings and bytes, and one-to-several-edit mutations of valid examples
 * (which reach much deeper than random text). Each call must return or throw a RunproofError —
 * never another exception, never a hang (a call taking over `slowMs` counts as a failure).
 *
 * The HTTP targets go through the real log app (`app.fetch`, no socket): any 500 is a failure.
 */
import fc from 'fast-check';
import type { Hono } from 'hono';
import { isRunproofError, ERROR_CODES } from '../../src/errors.js';
import { fromBase64 } from '../../src/encoding/base64.js';
import { parseDecimal } from '../../src/encoding/decimal.js';
import { fromHex } from '../../src/encoding/hex.js';
import { parseStrictJson } from '../../src/json/strict.js';
import { declarationIdentity, parseIdentity } from '../../src/declaration/identity.js';
import { mapRequest } from '../../src/declaration/mappers.js';
import { parseBundle } from '../../src/merkle/bundle.js';
import { parseTilePath } from '../../src/merkle/tiles.js';
import { formatCheckpoint, openCheckpoint, parseCheckpoint } from '../../src/note/checkpoint.js';
import { decodeEntry, encodeEntry } from '../../src/note/entry.js';
import { newSignerKey, parseSignerKey, parseVerifierKey, toVerifier, verifierKey, SIG_COSIGNATURE_V1 } from '../../src/note/keys.js';
import { cosignCheckpoint } from '../../src/note/cosignature.js';
import { formatNote, openNote, parseNote, signNote } from '../../src/note/note.js';
import { parsePolicy } from '../../src/note/policy.js';
import { formatTlogProof, parseTlogProof } from '../../src/note/tlog-proof.js';
import { verifyReceipt } from '../../src/receipt/verify.js';
import { parseAddCheckpoint } from '../../src/note/tlog-witness.js';
import { declarationText } from '../lib/bodies.js';

const LOG = parseSignerKey(newSignerKey('fuzz.example/log', new Uint8Array(32).fill(1)));
const WITNESS = parseSignerKey(newSignerKey('fuzz.example/witness', new Uint8Array(32).fill(2), SIG_COSIGNATURE_V1));
const ROOT = new Uint8Array(32).fill(9);
const CP_TEXT = formatCheckpoint({ origin: LOG.name, size: 5, root: ROOT, extensions: [] });
const SIGNED_CP = formatNote(CP_TEXT, [...parseNote(signNote(CP_TEXT, [LOG])).signatures, cosignCheckpoint(CP_TEXT, 1_700_000_000, WITNESS)]);
const ENTRY = encodeEntry({ type: 1, timestamp: 1_700_000_000_000, identity: new Uint8Array(32).fill(3) });
const RECEIPT = formatTlogProof({ extra: ENTRY, index: 3, path: [ROOT, ROOT, new Uint8Array(32)], checkpoint: SIGNED_CP });
const POLICY = `log ${verifierKey(LOG)}\nwitness w1 ${verifierKey(WITNESS)}\ngroup g 1 w1\nquorum g\n`;
const OPENAI_BODY = JSON.stringify({ model: 'gpt-4o-2024-08-06', messages: [{ role: 'user', content: 'Hi' }], temperature: 0.2, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] });
const ANTHROPIC_BODY = JSON.stringify({ model: 'claude-haiku-4-5-20251001', max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] });
const DECLARATION = declarationText('fuzzfuzzfuzzfuzzfuzz00');
const WITNESS_BODY = `old 3\n${Buffer.from(ROOT).toString('base64')}\n${Buffer.from(new Uint8Array(32)).toString('base64')}\n\n${SIGNED_CP}`;

/** A parser under test: a name, valid examples to mutate, and the call. */
export interface FuzzTarget {
  name: string;
  seeds: string[];
  run(input: string): unknown;
}

/** Every text parser of untrusted input. */
export const TEXT_TARGETS: FuzzTarget[] = [
  { name: 'strict JSON', seeds: [DECLARATION, OPENAI_BODY, '{"a":[1,2.5e3,"\\u00e9",null,true]}'], run: (s) => parseStrictJson(s, { maxBytes: 1 << 16, maxDepth: 32 }) },
  { name: 'declaration (parse, schema, canonical, identity)', seeds: [DECLARATION], run: (s) => declarationIdentity(s) },
  { name: 'request mapper openai-chat', seeds: [OPENAI_BODY], run: (s) => mapRequest('openai-chat', s, { provider: 'openai', salt: 'none' }) },
  { name: 'request mapper anthropic', seeds: [ANTHROPIC_BODY], run: (s) => mapRequest('anthropic', s, { provider: 'anthropic', salt: 'none', headers: { 'anthropic-version': '2023-06-01' } }) },
  { name: 'signed note', seeds: [SIGNED_CP], run: (s) => parseNote(s) },
  { name: 'open note', seeds: [SIGNED_CP], run: (s) => openNote(s, [toVerifier(LOG)]) },
  // Sizes a log may sign beyond the supported 2^52 (issue #11, finding 3) are mutated too.
  { name: 'checkpoint body', seeds: [CP_TEXT, CP_TEXT.replace('\n5\n', '\n9007199254740991\n'), CP_TEXT.replace('\n5\n', '\n18446744073709551615\n')], run: (s) => parseCheckpoint(s) },
  { name: 'open checkpoint (+cosignature)', seeds: [SIGNED_CP], run: (s) => openCheckpoint(s, toVerifier(LOG), [toVerifier(WITNESS)]) },
  { name: 'tlog-proof', seeds: [RECEIPT], run: (s) => parseTlogProof(s) },
  { name: 'receipt verification', seeds: [RECEIPT], run: (s) => verifyReceipt({ receipt: s, identity: `sha256:${'03'.repeat(32)}`, trust: { vkey: verifierKey(LOG) } }) },
  { name: 'tile path', seeds: ['tile/0/x001/234.p/5', 'tile/entries/x123/456', 'tile/3/000'], run: (s) => parseTilePath(s) },
  { name: 'witness add-checkpoint body', seeds: [WITNESS_BODY], run: (s) => parseAddCheckpoint(s) },
  { name: 'trust policy', seeds: [POLICY], run: (s) => parsePolicy(s) },
  { name: 'verifier key', seeds: [verifierKey(LOG), verifierKey(WITNESS)], run: (s) => parseVerifierKey(s) },
  { name: 'signer key', seeds: [newSignerKey('fuzz.example/log', new Uint8Array(32).fill(1))], run: (s) => parseSignerKey(s) },
  { name: 'identity', seeds: [`sha256:${'ab'.repeat(32)}`], run: (s) => parseIdentity(s) },
  { name: 'base64 / hex / decimal', seeds: [Buffer.from(ROOT).toString('base64'), '00ff', '18446744'], run: (s) => [tryTyped(() => fromBase64(s, 32)), tryTyped(() => fromHex(s)), tryTyped(() => parseDecimal(s))] },
];

/** Every binary parser of untrusted bytes. */
export const BYTE_TARGETS: { name: string; seeds: Uint8Array[]; run(b: Uint8Array): unknown }[] = [
  { name: 'entry', seeds: [ENTRY], run: (b) => decodeEntry(b) },
  { name: 'entry bundle', seeds: [Uint8Array.from([0, 41, ...ENTRY, 0, 41, ...ENTRY])], run: (b) => parseBundle(b) },
  { name: 'strict JSON (bytes)', seeds: [new TextEncoder().encode(DECLARATION)], run: (b) => parseStrictJson(b, { maxBytes: 1 << 16 }) },
  { name: 'signed note (bytes)', seeds: [new TextEncoder().encode(SIGNED_CP)], run: (b) => parseNote(b) },
  { name: 'tlog-proof (bytes)', seeds: [new TextEncoder().encode(RECEIPT)], run: (b) => parseTlogProof(b) },
];

function tryTyped(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    if (isRunproofError(e)) return e.code;
    throw e;
  }
}

/** A mutation of `seed`: 1–4 random edits (replace, insert, delete, duplicate a slice, truncate). */
function mutated(seed: string): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat(), fc.nat({ max: 4 }), fc.string({ unit: fc.constantFrom('\n', ' ', '\u2028', '"', '\\', '{', '}', '[', ']', ',', ':', '+', '-', '0', '9', '.', 'e', '\u0000', '\uFFFD', '\uD800', 'A', '=', '/', 'é', '—') , maxLength: 4 }));
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let s = seed;
    for (const [pos, op, text] of edits) {
      const p = s.length === 0 ? 0 : pos % (s.length + 1);
      if (op === 0) s = s.slice(0, p) + text + s.slice(p + 1);
      else if (op === 1) s = s.slice(0, p) + text + s.slice(p);
      else if (op === 2) s = s.slice(0, p) + s.slice(p + 1 + (pos % 7));
      else if (op === 3) s = s.slice(0, p) + s.slice(p, p + 1 + (pos % 40)) + s.slice(p);
      else s = s.slice(0, p);
    }
    return s;
  });
}

function textInputs(t: FuzzTarget): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.oneof(...t.seeds.map(mutated)), weight: 6 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 300 }), weight: 2 },
    { arbitrary: fc.string({ maxLength: 300 }), weight: 1 },
  );
}

function byteInputs(seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const mutate = fc.oneof(...seeds.map((s) => fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }).map((edits) => {
    const b = s.slice();
    for (const [pos, v] of edits) b[pos % b.length] = v;
    return b;
  })), ...seeds.map((s) => fc.nat().map((n) => s.slice(0, n % (s.length + 1)))));
  return fc.oneof(mutate, fc.uint8Array({ maxLength: 200 }));
}

/** The outcome of fuzzing one target. */
export interface FuzzResult {
  target: string;
  cases: number;
  /** RunproofError codes seen, with counts. */
  codes: Record<string, number>;
  accepted: number;
  /** The first failure (non-RunproofError, or a call slower than slowMs), if any. */
  failure?: string;
}

function check<T>(name: string, f: (x: T) => unknown, slowMs: number, codes: Record<string, number>, counts: { accepted: number }) {
  return (x: T) => {
    const t = performance.now();
    try {
      f(x);
      counts.accepted++;
    } catch (e) {
      if (!isRunproofError(e)) throw new Error(`${name}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} on ${JSON.stringify(x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x).slice(0, 400)}`);
      codes[e.code] = (codes[e.code] ?? 0) + 1;
    }
    const ms = performance.now() - t;
    if (ms > slowMs) throw new Error(`${name}: one call took ${ms.toFixed(0)} ms on ${JSON.stringify(x).slice(0, 200)}`);
  };
}

function outcome(target: string, cases: number, codes: Record<string, number>, accepted: number, run: () => void): FuzzResult {
  try {
    run();
    return { target, cases, codes, accepted };
  } catch (e) {
    return { target, cases, codes, accepted, failure: e instanceof Error ? e.message.slice(0, 1500) : String(e) };
  }
}

/** fuzzParsers runs every text and byte target for `casesPerTarget` cases each. */
export function fuzzParsers(casesPerTarget: number, opts: { seed?: number; slowMs?: number } = {}): FuzzResult[] {
  const slowMs = opts.slowMs ?? 2000;
  const results: FuzzResult[] = [];
  for (const t of TEXT_TARGETS) {
    const codes: Record<string, number> = {};
    const counts = { accepted: 0 };
    results.push(outcome(t.name, casesPerTarget, codes, counts.accepted, () => fc.assert(fc.property(textInputs(t), check(t.name, t.run, slowMs, codes, counts)), { numRuns: casesPerTarget, seed: opts.seed, endOnFailure: true })));
    results[results.length - 1]!.accepted = counts.accepted;
  }
  for (const t of BYTE_TARGETS) {
    const codes: Record<string, number> = {};
    const counts = { accepted: 0 };
    results.push(outcome(t.name, casesPerTarget, codes, counts.accepted, () => fc.assert(fc.property(byteInputs(t.seeds), check(t.name, t.run, slowMs, codes, counts)), { numRuns: casesPerTarget, seed: opts.seed, endOnFailure: true })));
    results[results.length - 1]!.accepted = counts.accepted;
  }
  return results;
}

/** HTTP requests the fuzzer sends through the log app: submissions, batches, reads, lookups, proofs. */
function httpRequests(): fc.Arbitrary<{ method: string; path: string; body?: string; type?: string }> {
  const batchSeed = `{"items":[{"declaration":${DECLARATION}},{"identity":"sha256:${'ab'.repeat(32)}"}]}`;
  const paths = ['/tile/0/000', '/tile/entries/000.p/1', '/tile/0/x001/234.p/5', '/checkpoint', `/v1/identities/${'ab'.repeat(32)}`, '/v1/proofs/consistency?old=1&new=2'];
  return fc.oneof(
    mutated(DECLARATION).map((body) => ({ method: 'POST', path: '/v1/declarations', body, type: 'application/json' })),
    mutated(batchSeed).map((body) => ({ method: 'POST', path: '/v1/batch', body, type: 'application/json' })),
    mutated(`{"identity":"sha256:${'cd'.repeat(32)}"}`).map((body) => ({ method: 'POST', path: '/v1/identities', body, type: 'application/json' })),
    fc.tuple(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1', '')).map(([body, type]) => ({ method: 'POST', path: '/v1/declarations', body, type })),
    fc.oneof(...paths.map(mutated)).filter((p) => /^\/[\x21-\x7e]*$/.test(p)).map((path) => ({ method: 'GET', path })),
  );
}

/**
 * fuzzHttp sends `cases` generated requests through `app.fetch` (the log server's Hono app) and
 * requires every answer to be a 2xx or a 4xx/503 whose JSON body names a known error code.
 */
export async function fuzzHttp(app: Hono, cases: number, opts: { seed?: number } = {}): Promise<FuzzResult> {
  const codes: Record<string, number> = {};
  let accepted = 0;
  const known = new Set<string>(ERROR_CODES as readonly string[]);
  try {
    await fc.assert(
      fc.asyncProperty(httpRequests(), async (r) => {
        const headers: Record<string, string> = r.type ? { 'content-type': r.type } : {};
        const res = await app.fetch(new Request(`http://127.0.0.1${r.path}`, { method: r.method, headers, ...(r.body !== undefined ? { body: r.body } : {}) }));
        const text = await res.text();
        if (res.status < 300) {
          accepted++;
          return;
        }
        if (res.status >= 500 && res.status !== 503) throw new Error(`HTTP ${r.method} ${r.path} answered ${res.status}: ${text.slice(0, 300)} for ${JSON.stringify(r.body ?? '').slice(0, 300)}`);
        let code: string | undefined;
        try {
          code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
        } catch {
          code = undefined;
        }
        if (code === undefined || !known.has(code)) throw new Error(`HTTP ${r.method} ${r.path} answered ${res.status} without a known error code: ${text.slice(0, 300)}`);
        codes[code] = (codes[code] ?? 0) + 1;
      }),
      { numRuns: cases, seed: opts.seed, endOnFailure: true },
    );
    return { target: 'HTTP bodies and paths (log app)', cases, codes, accepted };
  } catch (e) {
    return { target: 'HTTP bodies and paths (log app)', cases, codes, accepted, failure: e instanceof Error ? e.message.slice(0, 1500) : String(e) };
  }
}
