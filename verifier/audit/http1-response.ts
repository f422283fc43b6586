/**
 * An incremental reader of HTTP/1.1 responses (RFC 9112) for the audit's pipelined GET
 * (./pipelined-get.ts): bytes go in as they arrive from the socket, whole responses come out
 * in order. Bodies delimited by Content-Length, by chunked transfer coding (RFC 9112 §7.1) or,
 * for the last response on a connection, by its close (§6.3); interim 1xx answers are skipped.
 *
 * A body of known length that arrives within one read is handed out as a view of that read's
 * buffer, otherwise it is copied into one buffer of its declared length (of unknown length: one
 * buffer grown by doubling): no chunk lists and no concatenation. The caller must therefore not
 * reuse the buffers it feeds in.
 */

/** The largest head (status line and header fields) accepted. */
const MAX_HEAD = 64 * 1024;

/** A complete response. */
export interface Http1Response {
  status: number;
  /** Header field values by lower-case name (repeated fields joined with ", "). */
  headers: Record<string, string>;
  body: Uint8Array;
  /** The server will close the connection after this response (Connection: close, HTTP/1.0, or a body read to the close). */
  last: boolean;
}

/** How {@link Http1Reader} reports a body it refuses to read. */
export type BodyLimit = (status: number, headers: Record<string, string>) => number;

/** Thrown for bytes that are not a well-formed HTTP/1.1 response (the connection is then unusable). */
export class Http1Error extends Error {
  override name = 'Http1Error';
}

/** Thrown when a body exceeds the limit {@link BodyLimit} gave for it. */
export class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';

  constructor(
    message: string,
    /** The status of the response whose body is too large. */
    readonly status: number,
  ) {
    super(message);
  }
}

type Framing = { kind: 'length'; left: number } | { kind: 'chunked'; left: number; trailer: boolean; chunkEnd: boolean } | { kind: 'close' };

/**
 * Http1Reader parses the responses arriving on one connection. `limit` gives the largest body
 * accepted for a response once its head is read; beyond it, `push` throws BodyTooLarge.
 */
export class Http1Reader {
  private head: Buffer | undefined;
  private status = 0;
  private headers: Record<string, string> = {};
  private last = false;
  private framing: Framing | undefined;
  private body: Buffer | undefined;
  private filled = 0;
  private max = 0;

  constructor(
    private readonly limit: BodyLimit,
    private readonly onResponse: (r: Http1Response) => void,
  ) {}

  /** Whether a response has begun arriving and is not complete. */
  get partial(): boolean {
    return this.head !== undefined || this.framing !== undefined;
  }

  /** push feeds the bytes `buf[from … to)`, emitting every response they complete. @throws Http1Error, BodyTooLarge */
  push(buf: Buffer, from = 0, to = buf.length): void {
    let at = from;
    while (at < to) at = this.framing === undefined ? this.readHead(buf, at, to) : this.readBody(buf, at, to);
  }

  /** end tells that the connection closed: completes a body read to the close. */
  end(): void {
    if (this.framing?.kind === 'close') this.emit();
  }

  private readHead(buf: Buffer, at: number, to: number): number {
    const prior = this.head?.length ?? 0;
    const data = prior === 0 ? buf.subarray(at, to) : Buffer.concat([this.head!, buf.subarray(at, to)]);
    const end = data.indexOf('\r\n\r\n', Math.max(0, prior - 3), 'latin1');
    if (end < 0) {
      if (data.length > MAX_HEAD) throw new Http1Error(`response head larger than ${MAX_HEAD} bytes`);
      this.head = Buffer.from(data); // a copy: the caller's buffer is only borrowed until the next read
      return to;
    }
    this.head = undefined;
    this.parseHead(data.toString('latin1', 0, end));
    return at + end + 4 - prior;
  }

  private parseHead(text: string): void {
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: |$)/.exec(lines[0]!);
    if (m === null) throw new Http1Error(`not an HTTP/1.x status line: ${JSON.stringify(lines[0]!.slice(0, 80))}`);
    const status = Number(m[2]);
    const headers: Record<string, string> = Object.create(null) as Record<string, string>; // no prototype: a field named "__proto__" is a field
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Http1Error(`malformed header field: ${JSON.stringify(line.slice(0, 80))}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    if (status < 200 && status !== 101) return; // interim answer (RFC 9110 §15.2): the real one follows
    if (status === 101) throw new Http1Error('unexpected 101 Switching Protocols');
    this.status = status;
    this.headers = headers;
    const connection = (headers['connection'] ?? '').toLowerCase();
    this.last = m[1] === '0' ? !connection.includes('keep-alive') : connection.split(',').some((t) => t.trim() === 'close');
    this.max = this.limit(status, headers);
    this.filled = 0;
    this.body = undefined;
    const te = headers['transfer-encoding'];
    const cl = headers['content-length'];
    if (te !== undefined) {
      // Both framings: RFC 9112 §6.3 says it "ought to be handled as an error" (a sign of response
      // splitting), as node:http's parser, which the audit used before, refuses it.
      if (cl !== undefined) throw new Http1Error('both Transfer-Encoding and Content-Length');
      if (te.toLowerCase() !== 'chunked') throw new Http1Error(`unsupported Transfer-Encoding ${te}`);
      this.framing = { kind: 'chunked', left: -1, trailer: false, chunkEnd: false };
    } else if (status === 204 || status === 304) {
      this.framing = { kind: 'length', left: 0 };
    } else if (cl !== undefined) {
      if (!/^[0-9]{1,15}$/.test(cl)) throw new Http1Error(`malformed Content-Length ${JSON.stringify(cl)}`);
      const n = Number(cl);
      if (n > this.max) throw new BodyTooLarge(`body of ${n} bytes, limit ${this.max}`, status);
      this.framing = { kind: 'length', left: n };
    } else {
      this.framing = { kind: 'close' };
      this.last = true;
    }
    if (this.framing.kind === 'length' && this.framing.left === 0) this.emit();
  }

  private readBody(buf: Buffer, at: number, to: number): number {
    const f = this.framing!;
    if (f.kind === 'length') {
      const n = Math.min(f.left, to - at);
      if (this.body === undefined && this.filled === 0 && n === f.left) {
        this.body = buf.subarray(at, at + n); // the whole body is in this read: a view, no copy
      } else {
        this.body ??= Buffer.allocUnsafe(this.filled + f.left);
        buf.copy(this.body, this.filled, at, at + n);
      }
      this.filled += n;
      f.left -= n;
      if (f.left === 0) this.emit();
      return at + n;
    }
    if (f.kind === 'close') {
      this.take(buf, at, to);
      return to;
    }
    return this.readChunked(f, buf, at, to);
  }

  /** readChunked reads the chunked body (RFC 9112 §7.1): size line, data, CRLF, …, last chunk, trailers. */
  private readChunked(f: Framing & { kind: 'chunked' }, buf: Buffer, at: number, to: number): number {
    if (f.left > 0) {
      const n = Math.min(f.left, to - at);
      this.take(buf, at, at + n);
      f.left -= n;
      if (f.left === 0) {
        f.left = -1;
        f.chunkEnd = true;
      }
      return at + n;
    }
    // A line: the CRLF after a chunk's data, a chunk-size line, or a trailer line.
    const line = this.line(buf, at, to);
    if (line === undefined) return to;
    const [text, next] = line;
    if (f.chunkEnd) {
      if (text !== '') throw new Http1Error('chunk data not followed by CRLF');
      f.chunkEnd = false;
    } else if (f.trailer) {
      if (text === '') this.emit();
    } else {
      const m = /^([0-9a-fA-F]{1,12})(?:[ \t]*;.*)?$/.exec(text);
      if (m === null) throw new Http1Error(`malformed chunk size ${JSON.stringify(text.slice(0, 40))}`);
      const size = parseInt(m[1]!, 16); // 1–12 hex digits checked above: an exact integer below 2^48
      if (size === 0) f.trailer = true;
      else f.left = size;
    }
    return next;
  }

  /** line returns the next CRLF-terminated line (joined with any part kept from the last read) and where it ends. */
  private line(buf: Buffer, at: number, to: number): [string, number] | undefined {
    const prior = this.head?.length ?? 0;
    const data = prior === 0 ? buf.subarray(at, to) : Buffer.concat([this.head!, buf.subarray(at, to)]);
    const end = data.indexOf('\r\n', Math.max(0, prior - 1), 'latin1');
    if (end < 0) {
      if (data.length > MAX_HEAD) throw new Http1Error('chunk line too long');
      this.head = Buffer.from(data);
      return undefined;
    }
    this.head = undefined;
    return [data.toString('latin1', 0, end), at + end + 2 - prior];
  }

  /**
   * take keeps the body bytes `buf[from … to)` of unknown total length, within the limit, in one
   * buffer grown by doubling (a copy: the caller's buffer is only borrowed). Not a list of the
   * pieces: a body chunked byte by byte would cost an object per byte (≈ 90 bytes of memory each).
   */
  private take(buf: Buffer, from: number, to: number): void {
    const need = this.filled + (to - from);
    if (need > this.max) throw new BodyTooLarge(`body of more than ${this.max} bytes`, this.status);
    if (this.body === undefined || need > this.body.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.max, Math.max(need, 2 * (this.body?.length ?? 0), 16 * 1024)));
      this.body?.copy(grown, 0, 0, this.filled);
      this.body = grown;
    }
    buf.copy(this.body, this.filled, from, to);
    this.filled = need;
  }

  private emit(): void {
    const body = this.body === undefined ? Buffer.alloc(0) : this.body.subarray(0, this.filled);
    this.framing = undefined;
    this.body = undefined;
    this.onResponse({ status: this.status, headers: this.headers, body: new Uint8Array(body.buffer, body.byteOffset, body.length), last: this.last });
  }
}
