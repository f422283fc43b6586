/**
 * Operations endpoints: `GET /healthz`, `GET /metrics` (Prometheus text) and `GET /openapi.json`.
 */
import type { Hono } from 'hono';
import { RunproofError } from '../../../src/errors.js';
import { openApiDocument } from '../../openapi.js';
import type { AppSettings } from '../context.js';

/** opsRoutes adds health, metrics and the API description. */
export function opsRoutes(app: Hono, s: AppSettings): void {
  // The log serves while a static target fails; `publish` shows each target's size and fault.
  app.get('/healthz', (c) =>
    c.json({ status: 'ok', size: s.log.size, ...(s.publishStatus ? { publish: s.publishStatus() } : {}) }, 200, { 'Cache-Control': 'no-store' }),
  );

  app.get('/metrics', async (c) => {
    if (s.metrics === undefined) throw new RunproofError('NOT_FOUND', 'metrics are not enabled');
    const text = await s.metrics.registry.metrics();
    return c.body(text, 200, { 'Content-Type': s.metrics.registry.contentType, 'Cache-Control': 'no-store' });
  });

  let doc: string | undefined;
  app.get('/openapi.json', (c) => {
    doc ??= JSON.stringify(openApiDocument({ maxBodyBytes: s.maxBodyBytes, maxBatchItems: s.maxBatchItems }));
    return c.body(doc, 200, { 'Content-Type': 'application/json' });
  });
}
