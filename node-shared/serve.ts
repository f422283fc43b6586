/**
 * Serving a Hono app over Node's HTTP server, for the witness and the monitor: resolves once the
 * socket is listening and reports the address actually bound.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';

/** A running HTTP server. */
export interface RunningServer {
  /** `http://host:port` (the actual port when 0 was asked). */
  url: string;
  close(): Promise<void>;
}

/** listen serves a Hono app on host:port (port 0: any free port) and resolves once listening. */
export function listen(app: Hono, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    let server: ServerType;
    const onError = (e: Error) => reject(e);
    server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      server.off('error', onError);
      const h = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${h}:${info.port}`,
        close: () =>
          new Promise<void>((res) => {
            const s = server as import('node:http').Server;
            s.close(() => res());
            s.closeAllConnections?.();
          }),
      });
    });
    server.on('error', onError);
  });
}
