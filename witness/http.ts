/**
 * HTTP interface of the witness (c2sp.org/tlog-witness "HTTP Interface"), with the same value
 * for the submission and the monitoring prefix:
 *   POST /add-checkpoint                      → cosignature lines, or 400/403/404/409/413/422
 *   GET  /<hex SHA-256(origin)>/checkpoint    → the latest cosigned checkpoint, or 404
 * Error codes become statuses in one place, {@link statusFor}.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { RunproofError, type ErrorCode } from '../src/errors.js';
import { decodeUtf8 } from '../src/encoding/utf8.js';
import { TLOG_SIZE_CONTENT_TYPE, formatSizeAnswer } from '../src/note/tlog-witness.js';
import type { Witness } from './witness.js';

/** Default largest add-checkpoint body: 63 proof lines and a note with many signatures fit. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

const STATUS: Partial<Record<ErrorCode, 400 | 403 | 404 | 409 | 413 | 422>> = {
  MALFORMED_REQUEST: 400,
  MALFORMED_ENCODING: 400,
  MALFORMED_NOTE: 400,
  MALFORMED_CHECKPOINT: 400,
  NOT_FOUND: 404,
  INVALID_SIGNATURE: 403,
  NO_VERIFIED_SIGNATURE: 403,
  CONFLICT: 409,
  TOO_LARGE: 413,
  PROOF_FAILED: 422,
};

/** statusFor maps an error code to the add-checkpoint status (unknown codes are 500). */
export function statusFor(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

function errorResponse(c: Context, e: unknown): Response {
  if (e instanceof RunproofError) {
    if (e.code === 'CONFLICT' && typeof e.evidence?.size === 'number') {
      // "The response body MUST consist of the tree size of the latest cosigned checkpoint in
      // decimal, followed by a newline (U+000A). The response MUST have a Content-Type of
      // text/x.tlog.size."
      return c.body(formatSizeAnswer(e.evidence.size), 409, { 'Content-Type': TLOG_SIZE_CONTENT_TYPE });
    }
    const status = statusFor(e.code);
    if (status !== 500) return c.json({ error: { code: e.code, message: e.message } }, status as 400);
  }
  return c.json({ error: { code: 'INTERNAL', message: 'internal error' } }, 500);
}

/** witnessApp builds the Hono application of a witness. */
export function witnessApp(witness: Witness, opts: { maxBodyBytes?: number; log?: (msg: string) => void } = {}): Hono {
  const app = new Hono();
  const log = opts.log ?? (() => undefined);
  app.post(
    '/add-checkpoint',
    bodyLimit({
      maxSize: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      onError: (c) => errorResponse(c, new RunproofError('TOO_LARGE', 'request body too large')),
    }),
    async (c) => {
      try {
        const body = decodeUtf8(new Uint8Array(await c.req.arrayBuffer()), 'request body');
        return c.body(await witness.addCheckpoint(body), 200, { 'Content-Type': 'text/plain; charset=utf-8' });
      } catch (e) {
        if (!(e instanceof RunproofError)) log(`add-checkpoint: ${e instanceof Error ? e.stack : String(e)}`);
        else if (e.code === 'PROOF_FAILED') log(`add-checkpoint refused: ${e.message}`);
        return errorResponse(c, e);
      }
    },
  );
  app.get('/:hash{[0-9a-f]{64}}/checkpoint', (c) => {
    const note = witness.latestCheckpoint(c.req.param('hash'));
    if (note === undefined) return errorResponse(c, new RunproofError('NOT_FOUND', 'no cosigned checkpoint for this origin'));
    return c.body(note, 200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
  });
  app.notFound((c) => errorResponse(c, new RunproofError('NOT_FOUND', 'no such endpoint')));
  app.onError((e, c) => errorResponse(c, e));
  return app;
}
