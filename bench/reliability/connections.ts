/**
 * Hostile clients (issue #6): many idle connections, slowloris clients that trickle their
 * headers, and oversized headers must not stop the log from serving everybody else. While they
 * hold their sockets, ordinary reads and submissions are made and must succeed.
 */
import { connect, type Socket } from 'node:net';
import { declarationText } from '../lib/bodies.js';

/** What the hostile-clients check saw. */
export interface ConnectionsReport {
  idle: number;
  /** Idle sockets still open when service was checked. */
  idleOpen: number;
  slowloris: number;
  /** Status line answered to the oversized header (431 expected), or 'closed'. */
  oversized: string;
  /** Ordinary requests made while all that went on, and how many succeeded. */
  served: number;
  ok: number;
  /** Slowest ordinary request, ms. */
  slowestMs: number;
}

function open(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** oversizedHeader sends a request with a `bytes`-long header and returns the status line (or 'closed'). */
function oversizedHeader(host: string, port: number, bytes: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => {
      s.write(`GET /checkpoint HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'a'.repeat(bytes)}\r\n\r\n`);
    });
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    const done = () => resolve(got.split('\r\n')[0] || 'closed');
    s.on('close', done);
    s.on('error', () => undefined);
    setTimeout(() => {
      s.destroy();
    }, 10_000).unref();
  });
}

/**
 * hostileClients opens `idle` idle sockets and `slowloris` trickling clients against `url`, sends
 * one oversized header, then makes `requests` ordinary reads and submissions, and closes everything.
 */
export async function hostileClients(url: string, opts: { idle: number; slowloris: number; requests: number; headerBytes?: number }): Promise<ConnectionsReport> {
  const { hostname: host, port: portText } = new URL(url);
  if (host !== '127.0.0.1') throw new Error('hostile clients only against 127.0.0.1');
  const port = Number(portText);
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    for (let i = 0; i < opts.idle; i++) {
      const s = await open(host, port);
      s.on('error', () => undefined);
      sockets.push(s);
    }
    for (let i = 0; i < opts.slowloris; i++) {
      const s = await open(host, port);
      s.on('error', () => undefined);
      sockets.push(s);
      s.write('POST /v1/declarations HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      let n = 0;
      timers.push(setInterval(() => !s.destroyed && s.write(`X-Slow-${n++}: a\r\n`), 500));
    }
    const oversized = await oversizedHeader(host, port, opts.headerBytes ?? 64 * 1024);
    let ok = 0;
    let slowestMs = 0;
    for (let i = 0; i < opts.requests; i++) {
      const t = performance.now();
      const res =
        i % 2 === 0
          ? await fetch(`${url}/checkpoint`)
          : await fetch(`${url}/v1/declarations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: declarationText(`hostileclients${String(i).padStart(8, '0')}${Date.now()}`) });
      await res.arrayBuffer();
      if (res.status === 200) ok++;
      slowestMs = Math.max(slowestMs, performance.now() - t);
    }
    return { idle: opts.idle, idleOpen: sockets.slice(0, opts.idle).filter((s) => !s.destroyed).length, slowloris: opts.slowloris, oversized, served: opts.requests, ok, slowestMs };
  } finally {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
  }
}

/** What the stalled-bodies check saw. */
export interface StalledBodiesReport {
  stalled: number;
  /** Answers to the stalled uploads: status line → count ('closed' when the socket closed silently). */
  answers: Record<string, number>;
  /** Ordinary requests made while they stalled, and how many succeeded. */
  served: number;
  ok: number;
  /** Longest time until a stalled upload got its answer or was closed, ms. */
  slowestCutMs: number;
}

/**
 * stalledBodies (issue #11, finding 6) opens `count` uploads that announce `bytes` of body, send
 * all but 20 bytes and stall. The server must refuse what does not fit its in-flight body budget
 * at once (503), cut the rest after its body timeout (408), and keep serving ordinary requests.
 */
export async function stalledBodies(url: string, opts: { count: number; bytes: number; requests: number }): Promise<StalledBodiesReport> {
  const { hostname: host, port: portText } = new URL(url);
  if (host !== '127.0.0.1') throw new Error('stalled bodies only against 127.0.0.1');
  const port = Number(portText);
  const sockets: Socket[] = [];
  const answers: Record<string, number> = {};
  let slowestCutMs = 0;
  const done: Promise<void>[] = [];
  try {
    for (let i = 0; i < opts.count; i++) {
      const s = await open(host, port);
      s.on('error', () => undefined);
      sockets.push(s);
      const t = performance.now();
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString('latin1')));
      done.push(
        new Promise((resolve) =>
          s.on('close', () => {
            const line = got.split('\r\n')[0] || 'closed';
            answers[line] = (answers[line] ?? 0) + 1;
            slowestCutMs = Math.max(slowestCutMs, performance.now() - t);
            resolve();
          }),
        ),
      );
      s.write(`POST /v1/identities HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${opts.bytes}\r\n\r\n`);
      s.write(' '.repeat(opts.bytes - 20));
    }
    let ok = 0;
    for (let i = 0; i < opts.requests; i++) {
      const res = await fetch(`${url}/checkpoint`);
      await res.arrayBuffer();
      if (res.status === 200) ok++;
    }
    await Promise.race([Promise.all(done), new Promise((r) => setTimeout(r, 120_000).unref())]);
    return { stalled: opts.count, answers, served: opts.requests, ok, slowestCutMs };
  } finally {
    for (const s of sockets) s.destroy();
  }
}
