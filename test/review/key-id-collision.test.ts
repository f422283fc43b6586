/**
 * Review: two policy keys with the same key name and key ID (signed-note key IDs are 32 bits, so
 * a witness operator can grind one that collides with another listed key). openNote refuses to
 * verify anything with such a pair of keys, so the policy must be refused when it is loaded
 * rather than every receipt failing with MALFORMED_KEY.
 *
 * The two seeds below were found by a birthday search over sha256("review-twin-<i>") seeds
 * (i = 31774 and 171646) for the name witness.example/twin: both keys have key ID fe9720e5.
 */
import { describe, expect, it } from 'vitest';
import { verifierKey } from '../../src/note/keys.js';
import { parsePolicy } from '../../src/note/policy.js';
import { codeOf, logSigner, witnessSigner } from '../note/helpers.js';

const twinA = witnessSigner('witness.example/twin', 'review-twin-31774');
const twinB = witnessSigner('witness.example/twin', 'review-twin-171646');
const honest = witnessSigner('witness.example/honest');
const log = logSigner('example.com/log');

describe('policy keys with the same name and key ID', () => {
  it('the test keys really collide', () => {
    expect(twinA.keyId).toBe(0xfe9720e5);
    expect(twinB.keyId).toBe(twinA.keyId);
    expect(verifierKey(twinA)).not.toBe(verifierKey(twinB));
  });

  it('are refused when the policy is parsed', () => {
    const text = [`log ${verifierKey(log)}`, `witness honest ${verifierKey(honest)}`, `witness a ${verifierKey(twinA)}`, `witness b ${verifierKey(twinB)}`, 'group g any honest a b', 'quorum g', ''].join('\n');
    expect(codeOf(() => parsePolicy(text))).toBe('MALFORMED_POLICY');
  });
});
