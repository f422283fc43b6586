/**
 * Review: a monitor fed by malicious peers. A slow-dripping or endless peer response must not
 * hang a round, and neither it nor a checkpoint the log did not sign may raise an alarm.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/merkle/hash.js';
import { utf8 } from '../../src/encoding/utf8.js';
import { newSignerKey, parseSignerKey, verifierKey } from '../../src/note/keys.js';
import { Monitor } from '../../monitor/monitor.js';
import { openStateDb } from '../../node-shared/sqlite.js';
import { MemTree, tempDir, testSigner } from '../witness/helpers.js';
import { GrowingLog } from '../monitor/growing-log.js';

const tmp = tempDir();
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  tmp.cleanup();
});

/** A peer on 127.0.0.1 answering every request with `handler`. */
async function peer(handler: (res: import('node:http').ServerResponse) => void): Promise<string> {
  const s = createServer((_req, res) => handler(res));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

describe('monitor gossip with malicious peers', () => {
  it('a dripping peer, an endless peer and a forged checkpoint are not alarms and do not hang the round', async () => {
    const logKey = testSigner('log.example/review');
    const log = new GrowingLog(logKey, new MemTree('x').append(20));
    await log.listen();
    log.publish();
    const drip = await peer((res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const t = setInterval(() => res.write('x'), 100);
      res.on('close', () => clearInterval(t));
    });
    const endless = await peer((res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'y');
      const pump = () => {
        while (res.write(chunk)) if (res.destroyed) return;
      };
      res.on('drain', pump);
      pump();
    });
    const impostor = parseSignerKey(newSignerKey(logKey.name, sha256(utf8('review impostor'))));
    const forgedNote = new GrowingLog(impostor, new MemTree('y').append(20)).publish();
    const forger = await peer((res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(forgedNote));

    const db = openStateDb(join(tmp.dir, 'm.db'), 'monitor');
    const monitor = new Monitor({
      db,
      logs: [{ url: log.url, vkey: verifierKey(logKey) }],
      peers: [drip, endless, forger],
      evidenceDir: join(tmp.dir, 'evidence'),
      timeoutMs: 3000,
    });
    const r = await monitor.round();
    expect(r.events.map((e) => e.type)).toEqual(['accepted', 'unreachable', 'unreachable', 'ignored']);
    expect(r.exitCode).toBe(0);
    expect(monitor.status()[0]!.trusted).toBe(true);
    db.close();
    await log.close();
  });
});
