/**
 * A cap on open connections. Node's own `server.maxConnections` drops extra sockets without a
 * word; here a connection beyond the cap gets a complete 503 UNAVAILABLE answer (JSON body,
 * `Retry-After: 1`) and is closed, so a client can tell "busy" from "broken".
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

const BUSY_BODY = JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'the log has too many open connections; retry shortly' } });
const BUSY = [
  'HTTP/1.1 503 Service Unavailable',
  'Content-Type: application/json',
  `Content-Length: ${Buffer.byteLength(BUSY_BODY)}`,
  'Retry-After: 1',
  'Cache-Control: no-store',
  'Connection: close',
  '',
  BUSY_BODY,
].join('\r\n');

/** capConnections answers 503 and closes every connection beyond `max` open ones. */
export function capConnections(server: Server, max: number): void {
  let open = 0;
  // 'connection' fires before Node's HTTP parser reads the socket, so the refusal is written
  // without reading anything the client sent.
  server.prependListener('connection', (socket: Socket) => {
    if (open >= max) {
      socket.end(BUSY);
      // Node's parser must not answer on this socket as well.
      socket.destroySoon();
      return;
    }
    open++;
    socket.once('close', () => open--);
  });
}
