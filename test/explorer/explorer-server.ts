/**
 * A loopback server that serves the built explorer (with the log server's own CSP) in front of a
 * fixture log, so a lying fixture log is explored from its own origin. The backend can be switched
 * while the page runs (a log that forks between two polls).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultExplorerDir, explorerCsp } from '../../log-server/http/routes/explorer.js';

const TYPES: Record<string, string> = { '/': 'text/html; charset=utf-8', '/explorer.js': 'text/javascript; charset=utf-8', '/explorer.css': 'text/css; charset=utf-8' };
const FILES: Record<string, string> = { '/': 'index.html', '/explorer.js': 'explorer.js', '/explorer.css': 'explorer.css' };

/** A front server: explorer files, everything else proxied to `backend`. */
export interface FrontServer {
  url: string;
  /** Where reads go; change it to switch logs under the page. */
  backend: string;
  close(): Promise<void>;
}

/** serveExplorerFront starts the front server on 127.0.0.1. */
export async function serveExplorerFront(backend: string): Promise<FrontServer> {
  const dir = defaultExplorerDir();
  const files = Object.fromEntries(Object.entries(FILES).map(([p, f]) => [p, readFileSync(join(dir, f))]));
  const front: FrontServer = { url: '', backend, close: async () => undefined };
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const file = files[path];
    if (file !== undefined) {
      res.writeHead(200, { 'content-type': TYPES[path]!, 'content-security-policy': explorerCsp(undefined) });
      res.end(file);
      return;
    }
    try {
      const upstream = await fetch(front.backend + req.url, { headers: { 'accept-encoding': 'identity' } });
      const body = new Uint8Array(await upstream.arrayBuffer());
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(502);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  front.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  front.close = () =>
    new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    });
  return front;
}
