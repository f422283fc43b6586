/**
 * Issue #11, finding 6: stalled uploads may not hold memory for minutes. The built server
 * (needs `npx tsc -p tsconfig.json`) is started with small limits; raw sockets play the slow or
 * greedy client: connections beyond `--max-connections` get 503, bodies beyond the shared
 * `--max-inflight-body` budget get 503 without being read, and a stalled request is cut after
 * `--body-timeout` seconds, which gives its budget back.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogProcess, type LogProcess } from '../helpers/log-process.js';

let log: LogProcess;
const sockets: Socket[] = [];
const MAX_BODY = 1_048_576;

beforeAll(async () => {
  log = await startLogProcess({
    args: ['--max-connections', '6', '--max-inflight-body', String(2 * MAX_BODY), '--header-timeout', '1', '--body-timeout', '2'],
  });
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await log?.stop();
  log?.cleanup();
});

const port = () => Number(new URL(log.url).port);

/** open connects a raw socket and collects what the server sends until it closes. */
function open(): { socket: Socket; closed: Promise<string> } {
  const socket = connect(port(), '127.0.0.1');
  sockets.push(socket);
  let got = '';
  socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
  socket.on('error', () => undefined);
  return { socket, closed: new Promise((r) => socket.on('close', () => r(got))) };
}

/** A POST /v1/identities that announces `length` bytes and sends only `sent` of them. */
function stalledPost(socket: Socket, length: number, sent: number, path = '/v1/identities'): void {
  socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n` + ' '.repeat(sent));
}

const statusLine = (raw: string) => raw.split('\r\n')[0];

describe('connection and body limits', () => {
  it('answers 503 when the in-flight body budget is spent, cuts stalled requests, and gives the budget back', async () => {
    const a = open();
    const b = open();
    stalledPost(a.socket, MAX_BODY - 20, 10);
    // A single declaration takes the node:http fast path (log-server/http/fast-submit.ts): same budget.
    stalledPost(b.socket, MAX_BODY - 20, 10, '/v1/declarations');
    // Until both stalled bodies hold their reservation, a third one still fits: poll.
    let third = '';
    for (let i = 0; i < 50 && statusLine(third) !== 'HTTP/1.1 503 Service Unavailable'; i++) {
      const c = open();
      stalledPost(c.socket, 1000, 1000);
      third = await c.closed.then(
        (x) => x,
        () => '',
      );
      if (!third.includes('UNAVAILABLE')) await new Promise((r) => setTimeout(r, 50));
    }
    expect(statusLine(third)).toBe('HTTP/1.1 503 Service Unavailable');
    expect(third).toContain('"code":"UNAVAILABLE"');
    // The stalled ones are cut by --body-timeout (Node answers 408) instead of Node's 5 minutes.
    expect(statusLine(await a.closed)).toBe('HTTP/1.1 408 Request Timeout');
    expect(statusLine(await b.closed)).toBe('HTTP/1.1 408 Request Timeout');
    // ...and their reservations are back: a full-size body fits again.
    const ok = await fetch(`${log.url}/v1/identities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identity: `sha256:${'ab'.repeat(32)}` }) + ' '.repeat(MAX_BODY - 100),
    });
    expect(ok.status).toBe(200);
  }, 30_000);

  it('answers 503 to connections beyond --max-connections, and serves again once they close', async () => {
    const idle = Array.from({ length: 6 }, () => open());
    await Promise.all(idle.map((c) => new Promise((r) => c.socket.once('connect', r))));
    let extra = '';
    for (let i = 0; i < 50 && statusLine(extra) !== 'HTTP/1.1 503 Service Unavailable'; i++) {
      const c = open();
      c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      extra = await c.closed;
    }
    expect(statusLine(extra)).toBe('HTTP/1.1 503 Service Unavailable');
    expect(extra).toContain('Retry-After: 1');
    for (const c of idle) c.socket.destroy();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await fetch(`${log.url}/healthz`, { headers: { connection: 'close' } })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
  }, 30_000);
});
