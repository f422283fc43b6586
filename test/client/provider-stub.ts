/**
 * A stand-in model provider on 127.0.0.1 for the client tests: it speaks just enough of the
 * OpenAI Chat Completions (`POST /v1/chat/completions`), OpenAI Responses (`POST /v1/responses`)
 * and Anthropic Messages (`POST /v1/messages`) wire formats for the official SDKs — a JSON answer,
 * or Server-Sent Events when the body says `"stream": true` — and records every request it gets
 * (exact body bytes and headers) in arrival order.
 *
 * It also takes batch uploads and creations — `POST /v1/files` (multipart; the file is kept),
 * `GET /v1/files/<id>/content`, `POST /v1/batches`, `POST /v1/messages/batches` — answering
 * each with a small object carrying a fresh id. Responses answers carry a fresh `resp_stub_<n>`
 * id each, so turns can be chained.
 *
 * A request with an `x-stub-status: N` header is answered with status N and an error body.
 *
 * `onRequest` runs when a request has fully arrived and before the answer is written; the tests
 * use it to ask the log, at that moment, whether the run is already declared. A streamed answer
 * writes its first event, then waits for `gate` (bounded) before the rest, so a test can prove the
 * first event reached the SDK while the provider was still holding the stream open.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the provider saw it. */
export interface ProviderRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
  /** Whatever `onRequest` returned for it. */
  check?: unknown;
  /** For a streamed answer: whether the gate opened (true) or the bounded wait ran out (false). */
  gateOpened?: boolean;
}

/** Options of {@link startProvider}. */
export interface ProviderOptions {
  onRequest?: (req: ProviderRequest) => Promise<unknown>;
  /** Each streamed answer waits for this after its first event (at most `gateTimeoutMs`). */
  gate?: () => Promise<void>;
  gateTimeoutMs?: number;
}

/** A running provider stub. */
export interface ProviderStub {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:1234`. */
  origin: string;
  requests: ProviderRequest[];
  /** Uploaded files by id. */
  files: Map<string, Uint8Array>;
  close(): Promise<void>;
}

const TEXT = ['Thirty', ' days', '.'];

/** startProvider starts the stub on a free loopback port. */
export async function startProvider(opts: ProviderOptions = {}): Promise<ProviderStub> {
  const requests: ProviderRequest[] = [];
  const files = new Map<string, Uint8Array>();
  const server: Server = createServer((req, res) => {
    handle(req, res, requests, files, opts).catch((e: unknown) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    files,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let serial = 0;

async function handle(req: IncomingMessage, res: ServerResponse, requests: ProviderRequest[], files: Map<string, Uint8Array>, opts: ProviderOptions): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = new Uint8Array(Buffer.concat(chunks));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
  const path = (req.url ?? '/').split('?')[0]!;
  const record: ProviderRequest = { method: req.method ?? 'GET', path, headers, body };
  requests.push(record);
  if (opts.onRequest) record.check = await opts.onRequest(record);

  const forced = headers['x-stub-status'];
  if (forced !== undefined) {
    res.writeHead(Number(forced), 'Stub Says No', { 'content-type': 'application/json', 'x-provider': 'stub', 'retry-after': '7' });
    res.end(JSON.stringify({ error: { message: 'forced by x-stub-status', type: 'stub_error' } }));
    return;
  }
  const content = /^\/v1\/files\/([^/]+)\/content$/.exec(path);
  if (req.method === 'GET' && content !== null) {
    const file = files.get(content[1]!);
    if (file === undefined) json(res, 404, { error: { message: 'no such file', type: 'invalid_request_error' } });
    else {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(file);
    }
    return;
  }
  if (req.method !== 'POST') {
    json(res, 200, { object: 'list', data: [] });
    return;
  }
  if (path === '/v1/files') {
    // Parse the multipart body with the platform's own parser.
    const form = await new Request('http://stub/', { method: 'POST', headers: { 'content-type': headers['content-type']! }, body }).formData();
    const file = form.get('file') as File;
    const id = `file-stub${++serial}`;
    files.set(id, new Uint8Array(await file.arrayBuffer()));
    json(res, 200, { id, object: 'file', bytes: file.size, created_at: 1764115200, filename: file.name, purpose: form.get('purpose'), status: 'processed' });
    return;
  }
  if (path === '/v1/batches') {
    const b = JSON.parse(Buffer.from(body).toString('utf8')) as { input_file_id: string; endpoint: string; completion_window: string };
    json(res, 200, { id: `batch_stub${++serial}`, object: 'batch', endpoint: b.endpoint, input_file_id: b.input_file_id, completion_window: b.completion_window, status: 'validating', created_at: 1764115200 });
    return;
  }
  if (path === '/v1/messages/batches') {
    json(res, 200, { id: `msgbatch_stub${++serial}`, type: 'message_batch', processing_status: 'in_progress', request_counts: { processing: 1, succeeded: 0, errored: 0, canceled: 0, expired: 0 }, created_at: '2026-01-01T00:00:00Z', expires_at: '2026-01-02T00:00:00Z', ended_at: null, cancel_initiated_at: null, archived_at: null, results_url: null });
    return;
  }
  const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as { model?: string; stream?: boolean };
  const model = parsed.model ?? 'unknown';
  const kind = path.endsWith('/chat/completions') ? 'chat' : path.endsWith('/responses') ? 'responses' : path.endsWith('/messages') ? 'messages' : undefined;
  if (kind === undefined) {
    json(res, 404, { error: { message: 'no such endpoint', type: 'invalid_request_error' } });
    return;
  }
  const responseId = `resp_stub_${++serial}`;
  if (parsed.stream !== true) {
    json(res, 200, answer(kind, model, responseId));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-provider': 'stub' });
  const events = streamEvents(kind, model, responseId);
  res.write(events[0]);
  if (opts.gate) record.gateOpened = await bounded(opts.gate(), opts.gateTimeoutMs ?? 5000);
  for (const e of events.slice(1)) res.write(e);
  res.end();
}

/** bounded waits for `p` at most `ms` milliseconds; true if it settled in time. */
async function bounded(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-provider': 'stub' });
  res.end(JSON.stringify(value));
}

function answer(kind: 'chat' | 'responses' | 'messages', model: string, responseId = 'resp_stub'): unknown {
  const text = TEXT.join('');
  switch (kind) {
    case 'chat':
      return {
        id: 'chatcmpl-stub',
        object: 'chat.completion',
        created: 1764115200,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
      };
    case 'responses':
      return {
        id: responseId,
        object: 'response',
        created_at: 1764115200,
        status: 'completed',
        model,
        output: [{ type: 'message', id: 'msg_stub', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }],
        usage: { input_tokens: 10, output_tokens: 3, total_tokens: 13 },
      };
    case 'messages':
      return {
        id: 'msg_stub',
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 3 },
      };
  }
}

function sse(data: unknown, event?: string): string {
  return `${event !== undefined ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}

/** streamEvents returns the SSE events of a streamed answer, each a complete `…\n\n` block. */
function streamEvents(kind: 'chat' | 'responses' | 'messages', model: string, responseId: string): string[] {
  switch (kind) {
    case 'chat':
      return [
        ...TEXT.map((t, i) => sse({ id: 'chatcmpl-stub', object: 'chat.completion.chunk', created: 1764115200, model, choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: t } : { content: t }, finish_reason: null }] })),
        sse({ id: 'chatcmpl-stub', object: 'chat.completion.chunk', created: 1764115200, model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
        'data: [DONE]\n\n',
      ];
    case 'responses':
      return [
        sse({ type: 'response.created', sequence_number: 0, response: { id: responseId, object: 'response', status: 'in_progress', model, output: [] } }, 'response.created'),
        ...TEXT.map((t, i) => sse({ type: 'response.output_text.delta', sequence_number: i + 1, item_id: 'msg_stub', output_index: 0, content_index: 0, delta: t }, 'response.output_text.delta')),
        sse({ type: 'response.completed', sequence_number: TEXT.length + 1, response: answer('responses', model, responseId) }, 'response.completed'),
      ];
    case 'messages':
      return [
        sse({ type: 'message_start', message: { id: 'msg_stub', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 0 } } }, 'message_start'),
        sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'),
        ...TEXT.map((t) => sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } }, 'content_block_delta')),
        sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
        sse({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3 } }, 'message_delta'),
        sse({ type: 'message_stop' }, 'message_stop'),
      ];
  }
}
