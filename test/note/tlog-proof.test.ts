import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { formatTlogProof, MAX_PROOF_PATH, parseTlogProof, TLOG_PROOF_HEADER, type TlogProof } from '../../src/note/tlog-proof.js';
import { formatCheckpoint, openCheckpoint } from '../../src/note/checkpoint.js';
import { parseVerifierKey } from '../../src/note/keys.js';
import { signNote } from '../../src/note/note.js';
import { fromBase64, toBase64 } from '../../src/encoding/base64.js';
import { leafHash } from '../../src/merkle/hash.js';
import { rootFromInclusionProof } from '../../src/merkle/proof.js';
import { RunproofError } from '../../src/errors.js';
import { codeOf, hex, loadVector, logSigner } from './helpers.js';

const spec = loadVector('c2sp-spec-examples.json');
const worked = loadVector('standards-notes-worked.json');

const fancy = logSigner('example.com/fancylog');
/** The spec example with its elided signature lines replaced by a real one. */
const specProof = spec.tlogProofHead.head + signNote('example.com/fancylog\n109482\nsFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n', [fancy]).split('\n\n')[1];

/** The worked example as a proof (standards-notes §8). */
const workedProof = [TLOG_PROOF_HEADER, `index ${worked.inclusion.index}`, ...worked.inclusion.path, '', worked.checkpointNote + worked.cosignatureLine].join('\n');

describe('tlog-proof spec example', () => {
  test('parses: extra, index, 5 path hashes, checkpoint verbatim; formats back identically', () => {
    const p = parseTlogProof(specProof);
    expect(p.index).toBe(spec.tlogProofHead.index);
    expect(p.path.length).toBe(spec.tlogProofHead.pathLength);
    expect(Buffer.from(p.extra!).subarray(0, 30).toString('utf8')).toBe('age-v1.2.1-darwin-arm64.tar.gz');
    expect(p.checkpoint.startsWith('example.com/fancylog\n109482\n')).toBe(true);
    expect(formatTlogProof(p)).toBe(specProof);
  });

  test('the spec text itself, with its elided [...] signatures, is rejected at the checkpoint line', () => {
    const e = (() => {
      try {
        parseTlogProof(spec.tlogProofHead.head + spec.tlogProofHead.elidedSignatures);
      } catch (err) {
        return err as RunproofError;
      }
      throw new Error('accepted');
    })();
    expect(e.code).toBe('MALFORMED_PROOF');
    expect(e.path).toBe('line 10');
  });
});

describe('worked example (standards-notes §8): a proof that verifies end to end', () => {
  test('no extra line; inclusion of leaf 10 at index 2 in the size-8 tree', () => {
    const p = parseTlogProof(workedProof);
    expect(p.extra).toBeUndefined();
    expect(p.index).toBe(2);
    expect(p.path.map(toBase64)).toEqual(worked.inclusion.path);
    const o = openCheckpoint(p.checkpoint, parseVerifierKey(worked.logVkey), [parseVerifierKey(worked.witnessVkey)]);
    expect(o.cosignatures.length).toBe(1);
    const root = rootFromInclusionProof(leafHash(hex(worked.inclusion.leafHex)), p.index, o.checkpoint.size, p.path);
    expect(toBase64(root)).toBe(toBase64(o.checkpoint.root));
    expect(formatTlogProof(p)).toBe(workedProof);
  });
});

describe('strict parsing', () => {
  const lines = workedProof.split('\n');
  const withLine = (i: number, v: string | null) => {
    const c = [...lines];
    if (v === null) c.splice(i, 1);
    else c[i] = v;
    return c.join('\n');
  };
  const cases: [string, string, number][] = [
    ['wrong header', withLine(0, 'c2sp.org/tlog-proof@v2'), 1],
    ['index with leading zero', withLine(1, 'index 02'), 2],
    ['index with two spaces', withLine(1, 'index  2'), 2],
    ['missing index', withLine(1, null), 2],
    ['index above 2^53-1', withLine(1, 'index 9007199254740992'), 2],
    ['short hash', withLine(2, toBase64(new Uint8Array(31))), 3],
    ['non-canonical hash', withLine(2, lines[2]!.replace('h+c=', 'h+d=')), 3],
    ['extra not base64', [TLOG_PROOF_HEADER, 'extra !!!!', ...lines.slice(1)].join('\n'), 2],
    ['extra after index', [TLOG_PROOF_HEADER, 'index 2', 'extra AA==', ...lines.slice(2)].join('\n'), 3],
    ['CRLF', workedProof.replace(TLOG_PROOF_HEADER + '\n', TLOG_PROOF_HEADER + '\r\n'), 1],
    ['no blank line', [TLOG_PROOF_HEADER, 'index 2'].join('\n') + '\n', 3],
    ['broken checkpoint', workedProof.replace('\n8\n', '\n08\n'), 7],
    ['checkpoint without signatures', lines.slice(0, 9).join('\n') + '\n', 7],
  ];
  for (const [name, text, line] of cases) {
    test(name, () => {
      let err: unknown;
      try {
        parseTlogProof(text);
      } catch (e) {
        err = e;
      }
      expect((err as RunproofError | undefined)?.code).toBe('MALFORMED_PROOF');
      expect((err as RunproofError).path).toBe(`line ${line}`);
    });
  }

  test(`path limit: ${MAX_PROOF_PATH} hashes accepted, ${MAX_PROOF_PATH + 1} rejected`, () => {
    const p = parseTlogProof(workedProof);
    const path = (n: number) => Array.from({ length: n }, () => new Uint8Array(32));
    expect(parseTlogProof(formatTlogProof({ ...p, path: path(MAX_PROOF_PATH) })).path.length).toBe(MAX_PROOF_PATH);
    const tooLong = [TLOG_PROOF_HEADER, 'index 2', ...path(MAX_PROOF_PATH + 1).map(toBase64), '', p.checkpoint].join('\n');
    expect(codeOf(() => parseTlogProof(tooLong))).toBe('MALFORMED_PROOF');
    expect(codeOf(() => formatTlogProof({ ...p, path: path(MAX_PROOF_PATH + 1) }))).toBe('MALFORMED_PROOF');
  });

  test('size limit', () => {
    const p = parseTlogProof(workedProof);
    expect(codeOf(() => parseTlogProof(workedProof + 'x'.repeat(1_000_001)))).toBe('MALFORMED_PROOF');
    expect(codeOf(() => formatTlogProof({ ...p, extra: new Uint8Array(800_000) }))).toBe('MALFORMED_PROOF');
  });

  test('an empty extra is written and read back as empty, distinct from no extra', () => {
    const p = parseTlogProof(workedProof);
    const text = formatTlogProof({ ...p, extra: new Uint8Array(0) });
    expect(text.split('\n')[1]).toBe('extra ');
    expect(parseTlogProof(text).extra).toEqual(new Uint8Array(0));
  });

  test('formatTlogProof refuses a bad checkpoint or index', () => {
    const p = parseTlogProof(workedProof);
    expect(codeOf(() => formatTlogProof({ ...p, checkpoint: 'nope\n' }))).toBe('MALFORMED_PROOF');
    expect(codeOf(() => formatTlogProof({ ...p, index: -1 }))).toBe('MALFORMED_PROOF');
    expect(codeOf(() => formatTlogProof({ ...p, path: [new Uint8Array(31)] }))).toBe('MALFORMED_PROOF');
  });
});

describe('mangling', () => {
  test('every prefix and single-byte change: rejected, or accepted text is exactly format(parse(text))', () => {
    const b = Buffer.from(specProof);
    const check = (m: Buffer) => {
      const text = m.toString('utf8');
      let p: TlogProof;
      try {
        p = parseTlogProof(m);
      } catch (e) {
        expect((e as RunproofError).code).toBe('MALFORMED_PROOF');
        return;
      }
      expect(formatTlogProof(p)).toBe(text);
    };
    for (let i = 0; i < b.length; i++) {
      check(b.subarray(0, i));
      const c = Buffer.from(b);
      c[i] = (c[i]! + 1) % 256;
      check(c);
    }
  });

  test('property: format/parse round trip', () => {
    const checkpoint = signNote(formatCheckpoint({ origin: 'example.com/fancylog', size: 10, root: new Uint8Array(32).fill(2), extensions: [] }), [fancy]);
    fc.assert(
      fc.property(
        fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
        fc.nat({ max: 2 ** 52 - 1 }),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 10 }),
        (extra, index, path) => {
          const p: TlogProof = extra === undefined ? { index, path, checkpoint } : { extra, index, path, checkpoint };
          expect(parseTlogProof(formatTlogProof(p))).toEqual(p);
        },
      ),
      { numRuns: 200 },
    );
  });
});

test('fromBase64 sanity for the vector data', () => {
  expect(fromBase64(worked.inclusion.path[0], 32).length).toBe(32);
});
