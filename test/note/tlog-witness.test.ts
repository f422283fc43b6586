/**
 * The add-checkpoint body parser (c2sp.org/tlog-witness "add-checkpoint"): round trip over
 * random requests, and every single-byte mangling of a valid body either parses to something
 * else or fails with a typed error, never a crash.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunproofError } from '../../src/errors.js';
import { formatAddCheckpoint, parseAddCheckpoint, MAX_PROOF_LINES } from '../../src/note/tlog-witness.js';

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
const note = fc.constant('log.example/a\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u2014 log.example/a AAAAAQ==\n');

describe('parseAddCheckpoint', () => {
  it('round-trips any old size, proof of 0..63 hashes and note', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.array(hash, { maxLength: MAX_PROOF_LINES }), note, (oldSize, proof, n) => {
        const parsed = parseAddCheckpoint(formatAddCheckpoint({ oldSize, proof, note: n }));
        expect(parsed.oldSize).toBe(oldSize);
        expect(parsed.proof).toEqual(proof);
        expect(parsed.note).toBe(n);
      }),
    );
  });

  it('fails with MALFORMED_REQUEST, never anything else, on mangled bodies', () => {
    const body = formatAddCheckpoint({ oldSize: 12, proof: [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)], note: 'x\n\n\u2014 y AAAAAQ==\n' });
    const head = body.indexOf('\n\n');
    fc.assert(
      fc.property(fc.nat({ max: head + 1 }), fc.integer({ min: 0, max: 127 }), (at, code) => {
        const mangled = body.slice(0, at) + String.fromCharCode(code) + body.slice(at + 1);
        try {
          parseAddCheckpoint(mangled);
        } catch (e) {
          expect(e).toBeInstanceOf(RunproofError);
          expect((e as RunproofError).code).toBe('MALFORMED_REQUEST');
        }
      }),
    );
  });

  it('rejects 64 proof lines and non-canonical sizes', () => {
    const line = `${Buffer.alloc(32).toString('base64')}\n`;
    for (const bad of [`old 1\n${line.repeat(64)}\nx`, 'old 01\n\nx', 'old  1\n\nx', 'old 1', 'new 1\n\nx', 'old 9007199254740992\n\nx']) {
      expect(() => parseAddCheckpoint(bad)).toThrow(RunproofError);
    }
    expect(parseAddCheckpoint(`old 1\n${line.repeat(63)}\nx`).proof).toHaveLength(63);
  });
});
