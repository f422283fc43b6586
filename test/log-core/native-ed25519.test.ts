/**
 * The log server's node:crypto Ed25519 signer (node-shared/native-ed25519.ts) gives exactly the
 * RFC 8032 §7.1 signatures, and the pure signer's signatures for random seeds and messages; a
 * key read from a key file signs checkpoints that verify under its verifier key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ed25519Signer } from '../../src/note/ed25519.js';
import { parseVerifierKey, verifierKey } from '../../src/note/keys.js';
import { openNote, signNote } from '../../src/note/note.js';
import { createKeyFile, readKeyFile } from '../../log-server/keyfile.js';
import { nativeEd25519Signer } from '../../node-shared/native-ed25519.js';
import { hex, loadVector } from '../note/helpers.js';

const rfc = loadVector('rfc8032-ed25519.json');

describe('nativeEd25519Signer', () => {
  for (const v of rfc.vectors as { name: string; secretKey: string; message: string; signature: string }[]) {
    it(`signs RFC 8032 ${v.name} exactly`, () => {
      expect(Buffer.from(nativeEd25519Signer(hex(v.secretKey))(hex(v.message))).toString('hex')).toBe(v.signature);
    });
  }

  it('agrees with the pure signer on random seeds and messages', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (seed, msg) => {
        expect(nativeEd25519Signer(seed)(msg)).toEqual(ed25519Signer(seed)(msg));
      }),
      { numRuns: 50 },
    );
  });

  it('is what key files load: their signed notes verify under the verifier key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runproof-native-'));
    try {
      const path = join(dir, 'log.key');
      const created = createKeyFile(path, 'native.test/log');
      const loaded = readKeyFile(path);
      const text = 'native.test/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
      for (const signer of [created, loaded]) {
        const note = signNote(text, [signer]);
        expect(openNote(note, [parseVerifierKey(verifierKey(signer))]).text).toBe(text);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
