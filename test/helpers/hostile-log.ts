/**
 * A hostile log in front of an honest one, for exit-code and robustness tests: a loopback HTTP
 * server that answers chosen requests itself (an oversized checkpoint, a compression bomb, a
 * short tile, a non-JSON submission answer…) and passes every other GET to the honest upstream.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the hostile log answers instead of the upstream: status (default 200), headers and body. */
export interface HostileAnswer {
  status?: number;
  headers?: Record<string, string>;
  body: Uint8Array | string;
}

/**
 * hostileLog serves on 127.0.0.1 at a random port. `lie` sees each request (method, path, and
 * the upstream's body for GETs when there is an upstream) and returns an answer, or undefined
 * to pass the upstream's answer through unchanged.
 */
export async function hostileLog(
  upstream: string | undefined,
  lie: (req: { method: string; path: string; upstream: Uint8Array | undefined }) => HostileAnswer | undefined,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req: IncomingMessage, res) => {
    void (async () => {
      for await (const _ of req); // drain any request body
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      let status = 404;
      let body: Uint8Array | undefined;
      if (upstream !== undefined && method === 'GET') {
        const r = await fetch(`${upstream}${path}`);
        status = r.status;
        body = new Uint8Array(await r.arrayBuffer());
      }
      const answer = lie({ method, path, upstream: body });
      if (answer !== undefined) {
        res.writeHead(answer.status ?? 200, answer.headers ?? {});
        res.end(typeof answer.body === 'string' ? answer.body : Buffer.from(answer.body));
      } else {
        res.writeHead(status);
        res.end(body === undefined ? undefined : Buffer.from(body));
      }
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
