/** Helpers for the monitor tests: monitors in-process over real SQLite files and loopback HTTP. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { monitorApp } from '../../monitor/http.js';
import { Monitor, type MonitorEvent, type MonitorOptions } from '../../monitor/monitor.js';
import { listen } from '../../node-shared/serve.js';
import { openStateDb, type Db } from '../../node-shared/sqlite.js';

/** A monitor with its gossip endpoint served on 127.0.0.1. */
export interface RunningMonitor {
  monitor: Monitor;
  url: string;
  db: Db;
  events: MonitorEvent[];
  /** Closes the state database (the endpoint stays up until the slot is closed). */
  stop(): void;
}

/**
 * A gossip endpoint that exists before its monitor, so monitors can name each other as peers:
 * it answers 404 until `start` puts a monitor behind it; `start` again replaces it (a restart).
 */
export interface MonitorSlot {
  url: string;
  start(opts: Omit<MonitorOptions, 'db'> & { dbFile: string }): RunningMonitor;
  close(): Promise<void>;
}

/** monitorSlot listens on 127.0.0.1 at a free port. */
export async function monitorSlot(): Promise<MonitorSlot> {
  let inner: Hono | undefined;
  let current: RunningMonitor | undefined;
  const outer = new Hono();
  outer.all('*', (c) => (inner === undefined ? c.text('no monitor yet\n', 404) : inner.fetch(c.req.raw)));
  const server = await listen(outer, '127.0.0.1', 0);
  return {
    url: server.url,
    start(opts) {
      current?.stop();
      const db = openStateDb(opts.dbFile, 'monitor');
      const events: MonitorEvent[] = [];
      const { dbFile: _dbFile, ...rest } = opts;
      let monitor: Monitor;
      try {
        monitor = new Monitor({ ...rest, db, timeoutMs: opts.timeoutMs ?? 5000, onEvent: (e) => events.push(e) });
      } catch (e) {
        db.close();
        throw e;
      }
      inner = monitorApp(monitor);
      let open = true;
      current = {
        monitor,
        url: server.url,
        db,
        events,
        stop: () => {
          if (open) db.close();
          open = false;
        },
      };
      return current;
    },
    async close() {
      current?.stop();
      await server.close();
    },
  };
}

/** A webhook receiver: collects the JSON bodies POSTed to it. */
export async function webhookReceiver(): Promise<{ url: string; bodies: unknown[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (d: Buffer) => (data += d.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(data));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    bodies,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** kinds lists the event types (and alert kinds) of a round, for compact assertions. */
export function kinds(events: MonitorEvent[]): string[] {
  return events.map((e) => (e.type === 'alert' ? `alert:${e.kind}` : e.type));
}
