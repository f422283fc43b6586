/**
 * Review: the log's WitnessPool talking to a witness that lies about time. A cosignature with a
 * valid signature but a timestamp above 2^53−1 s, or far in the future, must not be published
 * in the log's checkpoints: it would make receipts fail or misstate when the witness saw them.
 * The lying witness is a real HTTP server on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WitnessPool } from '../../log-server/witness-client.js';
import { toBase64 } from '../../src/encoding/base64.js';
import { concatBytes, utf8 } from '../../src/encoding/utf8.js';
import { EMPTY_ROOT } from '../../src/merkle/hash.js';
import { formatCheckpoint } from '../../src/note/checkpoint.js';
import { verifierKey, type Signer } from '../../src/note/keys.js';
import { parseNote, signNote } from '../../src/note/note.js';
import { codeOf, logSigner, witnessSigner } from '../note/helpers.js';

const log = logSigner('example.com/log');
const witness = witnessSigner('example.com/w');
const checkpointText = formatCheckpoint({ origin: log.name, size: 0, root: EMPTY_ROOT, extensions: [] });
const signedCheckpoint = signNote(checkpointText, [log]);

/** A cosignature/v1 line with an arbitrary uint64 timestamp and a valid signature over the real message. */
function cosignLineAt(text: string, timestamp: bigint, signer: Signer): string {
  const ts = new Uint8Array(8);
  new DataView(ts.buffer).setBigUint64(0, timestamp);
  const sig = signer.sign(concatBytes(utf8(`cosignature/v1\ntime ${timestamp}\n`), utf8(text)));
  const keyId = new Uint8Array(4);
  new DataView(keyId.buffer).setUint32(0, signer.keyId);
  return `— ${signer.name} ${toBase64(concatBytes(keyId, ts, sig))}\n`;
}

let server: Server | undefined;
let pool: WitnessPool | undefined;
afterEach(async () => {
  pool?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
  pool = undefined;
});

/** Starts a witness that answers every add-checkpoint with `line(checkpoint text)`. */
async function lyingWitness(line: (text: string) => string): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(line(checkpointText));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function newPool(url: string): WitnessPool {
  pool = new WitnessPool({
    origin: log.name,
    witnesses: [{ name: witness.name, vkey: verifierKey(witness), url }],
    timeoutMs: 2000,
    consistencyProof: () => [],
    log: () => {},
  });
  return pool;
}

describe('WitnessPool and a witness lying about time', () => {
  it('publishes an honest cosignature (control)', async () => {
    const p = newPool(await lyingWitness((text) => cosignLineAt(text, BigInt(Math.floor(Date.now() / 1000)), witness)));
    p.onCheckpoint(signedCheckpoint);
    const note = await p.waitForQuorum(signedCheckpoint, 1, 5000);
    expect(parseNote(note).signatures.map((s) => s.name)).toEqual([log.name, witness.name]);
  });

  for (const [what, timestamp] of [
    ['above 2^53-1 seconds', 2n ** 60n],
    ['a day in the future', BigInt(Math.floor(Date.now() / 1000) + 86_400)],
  ] as const) {
    it(`never publishes a cosignature timestamped ${what}`, async () => {
      const p = newPool(await lyingWitness((text) => cosignLineAt(text, timestamp, witness)));
      p.onCheckpoint(signedCheckpoint);
      const code = await p.waitForQuorum(signedCheckpoint, 1, 1500).then(() => 'resolved', (e: unknown) => codeOf(() => { throw e; }));
      expect(code).toBe('QUORUM_NOT_MET');
      expect(parseNote(p.withCosignatures(signedCheckpoint)).signatures.map((s) => s.name)).toEqual([log.name]);
    });
  }
});
