/**
 * Issue #11, finding 4: `?wait=cosigned` with a witness that never answers. The entry is durably
 * logged, so the answer is 200 with the receipt and `quorum.met: false`, not a 4xx a client would
 * take as its own permanent error. Runs the built log (needs `npx tsc -p tsconfig.json`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../src/encoding/hex.js';
import { utf8 } from '../../src/encoding/utf8.js';
import { verifierKey } from '../../src/note/keys.js';
import { verifyReceipt } from '../../src/receipt/verify.js';
import { STATUS_BY_CODE } from '../../log-server/http/errors.js';
import { startLogProcess, type LogProcess } from '../helpers/log-process.js';
import { testWitness } from './helpers.js';

let silent: Server;
let log: LogProcess;

beforeAll(async () => {
  // A witness that accepts the connection and then says nothing.
  silent = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  const w = testWitness('witness.example/silent');
  log = await startLogProcess({ args: ['--witness', `${w.name}=${verifierKey(w)}@${url}`, '--witness-timeout', '400'] });
});

afterAll(async () => {
  await log?.stop();
  log?.cleanup();
  silent?.closeAllConnections();
  await new Promise((r) => silent?.close(r));
});

describe('?wait=cosigned with a silent witness', () => {
  it('answers 200 with a receipt that verifies under the log key alone, and says the quorum was not met', async () => {
    const identity = `sha256:${toHex(sha256(utf8('silent witness run')))}`;
    const post = () =>
      fetch(`${log.url}/v1/identities?wait=cosigned`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identity }) });
    const res = await post();
    expect(res.status).toBe(200);
    const body = (await res.json()) as { index: number; duplicate: boolean; receipt: string; quorum: { required: number; met: boolean } };
    expect(body.index).toBe(0);
    expect(body.quorum).toEqual({ required: 1, met: false });
    expect(verifyReceipt({ receipt: body.receipt, identity, trust: { vkey: log.vkey } }).index).toBe(0);
    // The entry was logged: resubmitting finds it.
    const again = (await (await post()).json()) as { index: number; duplicate: boolean };
    expect(again).toMatchObject({ index: 0, duplicate: true });
  });

  it('QUORUM_NOT_MET has a status of its own in the one status map', () => {
    expect(STATUS_BY_CODE.QUORUM_NOT_MET).toBe(504);
  });
});
