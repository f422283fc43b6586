/**
 * Learning which provider response a declared run produced, without touching what the caller
 * reads: the response body is split in two (`ReadableStream.tee`), the caller gets one branch
 * unchanged and still streaming, and the other is scanned here for the response's `id` — the
 * top-level `id` of a JSON answer, or `response.id` of the first event that has one in a
 * Server-Sent Events stream (`response.created` for OpenAI Responses). The scan stops (and its
 * branch is cancelled, so nothing more is buffered for it) as soon as the id is known.
 */
import { readStreamLimited } from '../node-shared/read-stream.js';

/** The most of a JSON answer read to find its id; larger answers are not indexed. */
const MAX_JSON_BYTES = 16 * 1_048_576;
/** The most of an event stream read to find the id; it comes in the first event. */
const MAX_STREAM_BYTES = 1_048_576;

/**
 * watchResponseId returns the body the caller should read and a promise of the response id
 * (undefined if there is none, or the answer is not a success).
 */
export function watchResponseId(res: Response): { body: ReadableStream<Uint8Array> | null; id: Promise<string | undefined> } {
  if (res.body === null || res.status < 200 || res.status > 299) return { body: res.body, id: Promise.resolve(undefined) };
  const [mine, theirs] = res.body.tee();
  const streamed = (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
  const id = (streamed ? idFromEvents(mine) : idFromJson(mine)).catch(() => undefined);
  return { body: theirs, id };
}

async function idFromJson(stream: ReadableStream<Uint8Array>): Promise<string | undefined> {
  // An answer larger than the limit is not indexed: the rejection becomes undefined in watchResponseId.
  const bytes = await readStreamLimited(stream, MAX_JSON_BYTES, () => new Error('answer too large to index'));
  return idOf(JSON.parse(new TextDecoder().decode(bytes)));
}

async function idFromEvents(stream: ReadableStream<Uint8Array>): Promise<string | undefined> {
  const reader = stream.pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return undefined;
      buffer += value;
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) !== -1) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
        if (data === '' || data === '[DONE]') continue;
        const v = JSON.parse(data) as { response?: unknown };
        const id = idOf(v.response);
        if (id !== undefined) return id;
      }
      if (buffer.length > MAX_STREAM_BYTES) return undefined;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function idOf(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const id = (v as { id?: unknown }).id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
