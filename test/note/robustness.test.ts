/**
 * Robustness and interop properties: every parser throws only RunproofError on arbitrary input,
 * and our Ed25519 agrees with an independent implementation (Node's OpenSSL) on honest signatures.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { RunproofError } from '../../src/errors.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from '../../src/note/ed25519.js';
import { parseNote } from '../../src/note/note.js';
import { parseCheckpoint } from '../../src/note/checkpoint.js';
import { parseTlogProof } from '../../src/note/tlog-proof.js';
import { parsePolicy } from '../../src/note/policy.js';
import { parseSignerKey, parseVerifierKey } from '../../src/note/keys.js';
import { cosignatureTimestamp } from '../../src/note/cosignature.js';
import { decodeEntry } from '../../src/note/entry.js';

const onlyRunproofErrors = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RunproofError);
  }
};

/** Strings biased towards the formats' own alphabet so parsers get past the first check. */
const formatish = fc
  .array(fc.constantFrom('\n', '\n\n', '— ', ' ', '+', '=', 'A', 'AAAA', 'index ', 'extra ', 'c2sp.org/tlog-proof@v1\n', 'log ', 'witness ', 'group ', 'quorum ', 'any', '0', '1', 'é', '\u0000', '\r', '\ud800'), {
    maxLength: 40,
  })
  .map((a) => a.join(''));
const anyText = fc.oneof(fc.string({ maxLength: 200, unit: 'binary' }), formatish);

describe('parsers throw only RunproofError', () => {
  test('text parsers', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        onlyRunproofErrors(() => parseNote(s));
        onlyRunproofErrors(() => parseCheckpoint(s));
        onlyRunproofErrors(() => parseTlogProof(s));
        onlyRunproofErrors(() => parsePolicy(s));
        onlyRunproofErrors(() => parseVerifierKey(s));
        onlyRunproofErrors(() => parseSignerKey(s));
      }),
      { numRuns: 500 },
    );
  });

  test('byte parsers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
        onlyRunproofErrors(() => parseNote(b));
        onlyRunproofErrors(() => parseTlogProof(b));
        onlyRunproofErrors(() => parsePolicy(b));
        onlyRunproofErrors(() => decodeEntry(b));
        onlyRunproofErrors(() => cosignatureTimestamp(b));
      }),
      { numRuns: 500 },
    );
  });
});

describe('Ed25519 interop with node:crypto (OpenSSL)', () => {
  const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
  const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

  test('same public keys and signatures; each verifies the other', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 100 }), (seed, msg) => {
        const priv = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
        const pubDer = createPublicKey(priv).export({ format: 'der', type: 'spki' });
        const pub = ed25519PublicKey(seed);
        expect(Buffer.from(pubDer.subarray(SPKI_PREFIX.length))).toEqual(Buffer.from(pub));
        const ours = ed25519Sign(seed, msg);
        const theirs = nodeSign(null, msg, priv);
        expect(Buffer.from(ours)).toEqual(theirs);
        const pubKey = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pub]), format: 'der', type: 'spki' });
        expect(nodeVerify(null, msg, pubKey, ours)).toBe(true);
        expect(ed25519Verify(pub, msg, theirs)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });
});
