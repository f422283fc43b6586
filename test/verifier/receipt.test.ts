/**
 * Offline receipt verification (src/receipt/verify.ts) against receipts made by the fixture log:
 * the honest case, each failing step with its code, single-byte tampering, wrong keys, and
 * tlog-policy quorums with real cosignature/v1 cosignatures.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isRunproofError, type ErrorCode } from '../../src/errors.js';
import { declarationIdentity } from '../../src/declaration/identity.js';
import { verifierKey } from '../../src/note/keys.js';
import { parsePolicy } from '../../src/note/policy.js';
import { ReceiptVerifier, verifyReceipt, type ReceiptTrust } from '../../src/receipt/verify.js';
import { buildFixtureLog, testSigner, testWitness } from '../helpers/fixture-log.js';

const declarationText = readFileSync(new URL('../vectors/declarations/example-2-declaration.json', import.meta.url));
const declared = declarationIdentity(declarationText);

const w1 = testWitness('witness-one.example');
const w2 = testWitness('witness-two.example');

function codeOf(f: () => unknown): ErrorCode | 'OK' {
  try {
    f();
    return 'OK';
  } catch (e) {
    if (isRunproofError(e)) return e.code;
    throw e;
  }
}

describe('verifyReceipt on an honest log', () => {
  const log = buildFixtureLog({ size: 300, identities: { 7: declared.digest } });
  const trust: ReceiptTrust = { vkey: log.vkey };

  it('proves the declaration, its index, time and checkpoint', () => {
    const v = verifyReceipt({ receipt: log.receipt(7), declaration: declarationText, trust });
    expect(v).toEqual({
      identity: declared.identity,
      index: 7,
      timestamp: 1_760_000_000_007,
      origin: 'fixture.example/log',
      treeSize: 300,
      root: Buffer.from(log.root()).toString('base64'),
      witnesses: [],
    });
  });

  it('accepts the identity instead of the declaration, and both when they agree', () => {
    expect(verifyReceipt({ receipt: log.receipt(7), identity: declared.identity, trust }).index).toBe(7);
    expect(verifyReceipt({ receipt: log.receipt(7), identity: declared.identity, declaration: declarationText, trust }).index).toBe(7);
  });

  it('verifies the first and last entries and receipts given as bytes', () => {
    const verifier = new ReceiptVerifier(trust);
    for (const i of [0, 255, 256, 299]) {
      const receipt = new TextEncoder().encode(log.receipt(i));
      const identity = `sha256:${Buffer.from(log.entry(i).subarray(9)).toString('hex')}`;
      expect(verifier.verify({ receipt, identity }).index).toBe(i);
    }
  });

  it('names the failing step by its code', () => {
    const other = `sha256:${'ab'.repeat(32)}`;
    expect(codeOf(() => verifyReceipt({ receipt: log.receipt(8), declaration: declarationText, trust }))).toBe('ENTRY_MISMATCH');
    expect(codeOf(() => verifyReceipt({ receipt: log.receipt(7), identity: other, declaration: declarationText, trust }))).toBe('ENTRY_MISMATCH');
    expect(codeOf(() => verifyReceipt({ receipt: log.receipt(7), identity: 'sha256:AB', trust }))).toBe('IDENTITY_MALFORMED');
    expect(codeOf(() => verifyReceipt({ receipt: log.receipt(7), declaration: '{"schema":"run-declaration/v1"}', trust }))).toBe('DECLARATION_INVALID');
    expect(codeOf(() => verifyReceipt({ receipt: log.receipt(7), declaration: '{"a":1,"a":2}', trust }))).toBe('JSON_DUPLICATE_KEY');
    expect(codeOf(() => verifyReceipt({ receipt: log.receipt(7), trust }))).toBe('MALFORMED_REQUEST');
    expect(codeOf(() => verifyReceipt({ receipt: 'hello\n', identity: declared.identity, trust }))).toBe('MALFORMED_PROOF');
    // A receipt without the extra line cannot say which entry it proves.
    const noExtra = log.receipt(7).replace(/^extra .*\n/m, '');
    expect(codeOf(() => verifyReceipt({ receipt: noExtra, identity: declared.identity, trust }))).toBe('MALFORMED_PROOF');
    // The proof of entry 7 presented as entry 6: PROOF_FAILED at the last step.
    const shifted = log.receipt(7).replace('\nindex 7\n', '\nindex 6\n');
    expect(codeOf(() => verifyReceipt({ receipt: shifted, identity: declared.identity, trust }))).toBe('PROOF_FAILED');
  });
});

describe('verifyReceipt rejects the wrong trust root', () => {
  const log = buildFixtureLog({ size: 20 });
  const identity = (i: number) => `sha256:${Buffer.from(log.entry(i).subarray(9)).toString('hex')}`;

  it('a key of another name: ORIGIN_MISMATCH; a witness key as log key: MALFORMED_KEY', () => {
    const other = verifierKey(testSigner('other.example/log'));
    expect(codeOf(() => verifyReceipt({ receipt: log.receipt(3), identity: identity(3), trust: { vkey: other } }))).toBe('ORIGIN_MISMATCH');
    expect(codeOf(() => verifyReceipt({ receipt: log.receipt(3), identity: identity(3), trust: { vkey: verifierKey(w1) } }))).toBe('MALFORMED_KEY');
  });

  it('an impostor key of the same name, or a corrupted signature, never verifies', () => {
    const impostor = buildFixtureLog({ size: 20, faults: { missingSignature: true } });
    expect(codeOf(() => verifyReceipt({ receipt: impostor.receipt(3), identity: identity(3), trust: { vkey: log.vkey } }))).toBe('NO_VERIFIED_SIGNATURE');
    const corrupted = buildFixtureLog({ size: 20, faults: { badSignature: true } });
    expect(codeOf(() => verifyReceipt({ receipt: corrupted.receipt(3), identity: identity(3), trust: { vkey: log.vkey } }))).toBe('INVALID_SIGNATURE');
    const badRoot = buildFixtureLog({ size: 20, faults: { rootMismatch: true } });
    expect(codeOf(() => verifyReceipt({ receipt: badRoot.receipt(3), identity: identity(3), trust: { vkey: log.vkey } }))).toBe('PROOF_FAILED');
  });
});

describe('receipt tampering', () => {
  const log = buildFixtureLog({ size: 37 });
  const receipt = new TextEncoder().encode(log.receipt(21));
  const identity = `sha256:${Buffer.from(log.entry(21).subarray(9)).toString('hex')}`;
  const verifier = new ReceiptVerifier({ vkey: log.vkey });
  const fails = (bytes: Uint8Array) => codeOf(() => verifier.verify({ receipt: bytes, identity })) !== 'OK';

  it('the untouched receipt verifies', () => {
    expect(fails(receipt)).toBe(false);
  });

  it('every single-byte change fails', () => {
    for (let i = 0; i < receipt.length; i++) {
      const m = receipt.slice();
      m[i] = m[i]! ^ 0x01;
      expect(fails(m), `flip of byte ${i}`).toBe(true);
    }
    fc.assert(
      fc.property(fc.nat(receipt.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const m = receipt.slice();
        m[i] = m[i]! ^ x;
        return fails(m);
      }),
      { numRuns: 3000 },
    );
  });

  it('every single-byte deletion and every truncation fails', () => {
    for (let i = 0; i < receipt.length; i++) {
      expect(fails(new Uint8Array([...receipt.subarray(0, i), ...receipt.subarray(i + 1)])), `deletion of byte ${i}`).toBe(true);
      expect(fails(receipt.subarray(0, i)), `truncation to ${i} bytes`).toBe(true);
    }
  });
});

describe('trust policies (c2sp.org/tlog-policy) with cosignature/v1', () => {
  const log = buildFixtureLog({ size: 10, witnesses: [w1], cosignTime: 1_760_000_123 });
  const identity = `sha256:${Buffer.from(log.entry(4).subarray(9)).toString('hex')}`;
  const lines = [`log ${log.vkey}`, `witness W1 ${verifierKey(w1)}`, `witness W2 ${verifierKey(w2)}`];
  const policy = (quorum: string[]) => ({ policy: parsePolicy([...lines, ...quorum].join('\n') + '\n') });

  it('1-of-2 is met by one cosignature, and the verdict names it with its time', () => {
    const v = verifyReceipt({ receipt: log.receipt(4), identity, trust: policy(['group G any W1 W2', 'quorum G']) });
    expect(v.witnesses).toEqual([{ name: 'W1', timestamp: 1_760_000_123_000 }]);
  });

  it('2-of-2 is not met by one cosignature, and is met by two', () => {
    const two = policy(['group G all W1 W2', 'quorum G']);
    expect(codeOf(() => verifyReceipt({ receipt: log.receipt(4), identity, trust: two }))).toBe('QUORUM_NOT_MET');
    const both = buildFixtureLog({ size: 10, witnesses: [w1, w2], cosignTime: 1_760_000_200 });
    const v = verifyReceipt({ receipt: both.receipt(4), identity, trust: two });
    expect(v.witnesses.map((w) => w.name).sort()).toEqual(['W1', 'W2']);
  });

  it('a single required witness that did not cosign: QUORUM_NOT_MET; quorum none: only the log', () => {
    expect(codeOf(() => verifyReceipt({ receipt: log.receipt(4), identity, trust: policy(['quorum W2']) }))).toBe('QUORUM_NOT_MET');
    const bare = buildFixtureLog({ size: 10 });
    expect(verifyReceipt({ receipt: bare.receipt(4), identity, trust: policy(['quorum none']) }).witnesses).toEqual([]);
  });

  it('a cosignature by a key not in the policy does not count', () => {
    const stranger = testWitness('stranger.example');
    const cosignedByStranger = buildFixtureLog({ size: 10, witnesses: [stranger] });
    expect(codeOf(() => verifyReceipt({ receipt: cosignedByStranger.receipt(4), identity, trust: policy(['quorum W1']) }))).toBe('QUORUM_NOT_MET');
  });

  it('a policy without this log: UNKNOWN_KEY', () => {
    const other = parsePolicy(`log ${verifierKey(testSigner('other.example/log'))}\nquorum none\n`);
    expect(codeOf(() => verifyReceipt({ receipt: log.receipt(4), identity, trust: { policy: other } }))).toBe('UNKNOWN_KEY');
  });
});
