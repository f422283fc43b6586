/**
 * Reading an outgoing `fetch` call the way it will go over the wire: method, URL, headers and
 * the exact body bytes — whatever form the caller gave them in (`fetch(url, init)` or
 * `fetch(request)`; a string, bytes, an ArrayBuffer, a Blob or a ReadableStream body).
 *
 * What is forwarded ({@link OutgoingCall.forward}) is exactly what was read: a string, a Blob or
 * a Request body is immutable and goes on as the caller gave it; a stream (readable only once)
 * or a byte buffer (which the caller could change while the log answers) is replaced by the
 * copy that was read and declared.
 */
import { RunproofError } from '../src/errors.js';
import { concatBytes } from '../src/encoding/utf8.js';

/** One outgoing call, read without consuming anything the forwarded call still needs. */
export interface OutgoingCall {
  method: string;
  url: URL;
  headers: Headers;
  /** Reads the exact body bytes (once; empty for no body). */
  body(): Promise<Uint8Array>;
  /** The arguments to pass on to the real fetch: the caller's own, or the same bytes re-wrapped. */
  forward(): [RequestInfo | URL, RequestInit | undefined];
  /** The body, when the caller gave a FormData (a multipart upload). */
  form(): FormData | undefined;
}

/** outgoingCall describes a fetch call from its arguments. */
export function outgoingCall(input: RequestInfo | URL, init: RequestInit | undefined): OutgoingCall {
  const request = input instanceof Request ? input : undefined;
  const url = new URL(request ? request.url : input instanceof URL ? input.href : String(input));
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
  const headers = new Headers(init?.headers !== undefined ? init.headers : request?.headers);
  let replacement: Uint8Array | undefined;

  return {
    method,
    url,
    headers,
    async body() {
      if (init?.body !== undefined && init.body !== null) {
        const bytes = await bodyBytes(init.body);
        // Streams can be read once; byte buffers could be changed by the caller while the log
        // answers. Either way the copy read here is what gets forwarded.
        if (typeof init.body !== 'string' && !(init.body instanceof Blob)) replacement = bytes;
        return bytes;
      }
      if (init?.body === undefined && request && request.body !== null) {
        return new Uint8Array(await request.clone().arrayBuffer());
      }
      return new Uint8Array(0);
    },
    form() {
      return init?.body instanceof FormData ? init.body : undefined;
    },
    forward() {
      if (replacement !== undefined) return [input, { ...init, body: replacement as Uint8Array<ArrayBuffer> }];
      return [input, init];
    },
  };
}

/** bodyBytes returns the bytes a fetch body will be sent as. */
async function bodyBytes(body: BodyInit): Promise<Uint8Array> {
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body.slice(0));
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength).slice();
  if (body instanceof Blob) return new Uint8Array(await body.arrayBuffer());
  if (body instanceof ReadableStream) return new Uint8Array(await new Response(body).arrayBuffer());
  if (isAsyncIterable(body)) {
    const parts: Uint8Array[] = [];
    for await (const chunk of body) {
      if (typeof chunk === 'string') parts.push(new TextEncoder().encode(chunk));
      else if (chunk instanceof Uint8Array) parts.push(chunk);
      else throw new RunproofError('MAPPING_INVALID', 'request body stream yielded something other than bytes or text');
    }
    return concatBytes(...parts);
  }
  // FormData and URLSearchParams are not JSON request bodies; their bytes (a random multipart
  // boundary) are not known before sending.
  throw new RunproofError('MAPPING_INVALID', `request body of type ${Object.prototype.toString.call(body)} is not a JSON body`);
}

function isAsyncIterable(body: unknown): body is AsyncIterable<unknown> {
  return typeof body === 'object' && body !== null && Symbol.asyncIterator in body && !(body instanceof ReadableStream);
}
