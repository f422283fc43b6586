/**
 * The monitor's gossip endpoint: `GET /<hex SHA-256(origin)>/checkpoint` serves the latest
 * checkpoint it accepted for a log — the same path as a tlog-witness monitoring read, so
 * monitors can poll witnesses and each other alike — and `GET /status` its view as JSON.
 */
import { Hono } from 'hono';
import type { Monitor } from './monitor.js';

/** monitorApp builds the Hono application of a monitor's gossip endpoint. */
export function monitorApp(monitor: Monitor): Hono {
  const app = new Hono();
  app.get('/:hash{[0-9a-f]{64}}/checkpoint', (c) => {
    const note = monitor.latestCheckpoint(c.req.param('hash'));
    if (note === undefined) return c.json({ error: { code: 'NOT_FOUND', message: 'no accepted checkpoint for this origin' } }, 404);
    return c.body(note, 200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
  });
  app.get('/status', (c) => c.json({ logs: monitor.status() }));
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: 'no such endpoint' } }, 404));
  app.onError((_e, c) => c.json({ error: { code: 'INTERNAL', message: 'internal error' } }, 500));
  return app;
}
