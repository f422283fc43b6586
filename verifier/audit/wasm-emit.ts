/**
 * A small writer of WebAssembly modules (core spec, binary format §5, with the fixed-width
 * SIMD instructions of WebAssembly 2.0, §5.4.8), enough for small functions (loops, calls) over i32
 * and v128 locals and one memory: the audit's 4-lane SHA-256 (./sha256x4.ts) is generated with
 * it when first needed, so the repository holds readable code and no binary blob.
 *
 * Instructions are appended to a {@link FunctionBody} by name; each method writes exactly the
 * opcode and immediates of that instruction. Values are not type-checked here:
 * `WebAssembly.validate` checks the finished module.
 */

/** Value types (binary format §5.3.1). */
export const I32 = 0x7f;
export const V128 = 0x7b;

/** A growable byte buffer with the binary format's integer encodings. */
class ByteWriter {
  private buf = new Uint8Array(1024);
  private length = 0;

  /** byte appends one byte. */
  byte(b: number): void {
    if (this.length === this.buf.length) this.grow(1);
    this.buf[this.length++] = b;
  }

  /** bytes appends bytes. */
  bytes(b: ArrayLike<number>): void {
    if (this.length + b.length > this.buf.length) this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** u32 appends `n` (a non-negative integer below 2^32) as unsigned LEB128 (§5.2.2). */
  u32(n: number): void {
    for (;;) {
      const low = n % 128;
      n = Math.floor(n / 128);
      if (n === 0) return this.byte(low);
      this.byte(low + 128);
    }
  }

  /** s32 appends the 32-bit integer `n` as signed LEB128 (§5.2.2), for i32.const. */
  s32(n: number): void {
    let v = n | 0;
    for (;;) {
      const low = v & 0x7f;
      v >>= 7; // arithmetic: the sign is kept until only sign bits are left
      const done = (v === 0 && (low & 0x40) === 0) || (v === -1 && (low & 0x40) !== 0);
      this.byte(done ? low : low | 0x80);
      if (done) return;
    }
  }

  /** name appends a UTF-8 name with its length (§5.2.4). */
  name(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u32(b.length);
    this.bytes(b);
  }

  /** vec appends a vector (§5.1.3): its length, then the bytes. */
  vec(b: ByteWriter): void {
    this.u32(b.length);
    this.bytes(b.finish());
  }

  /** finish returns a copy of the bytes written. */
  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.length);
  }

  private grow(more: number): void {
    const next = new Uint8Array(Math.max(2 * this.buf.length, this.length + more));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
}

/** The SIMD opcodes used here (the 0xfd prefix, then the opcode as unsigned LEB128; §5.4.8). */
const SIMD = {
  'v128.load': 0x00,
  'v128.load32_splat': 0x09,
  'v128.store': 0x0b,
  'v128.const': 0x0c,
  'i8x16.shuffle': 0x0d,
  'i32x4.splat': 0x11,
  'i32x4.extract_lane': 0x1b,
  'v128.not': 0x4d,
  'v128.and': 0x4e,
  'v128.andnot': 0x4f,
  'v128.or': 0x50,
  'v128.xor': 0x51,
  'v128.bitselect': 0x52,
  'v128.any_true': 0x53,
  'v128.load32_lane': 0x56,
  'i32x4.shl': 0xab,
  'i32x4.shr_u': 0xad,
  'i32x4.add': 0xae,
} as const;

/** The body of one function: its locals beyond the parameters, and its instructions. */
export class FunctionBody {
  /** The instruction bytes so far (without the final `end`). */
  private readonly code = new ByteWriter();
  /** Declared locals, one type per local, numbered after the parameters. */
  private readonly locals: number[] = [];

  constructor(
    readonly params: readonly number[],
    readonly results: readonly number[],
  ) {}

  /** local declares a new local of `type` and returns its index. */
  local(type: number): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  /** The encoded body (§5.5.13), without its size: local declarations run-length encoded, the code, `end`. */
  encode(): ByteWriter {
    const runs: [number, number][] = [];
    for (const t of this.locals) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    const out = new ByteWriter();
    out.u32(runs.length);
    for (const [count, t] of runs) {
      out.u32(count);
      out.byte(t);
    }
    out.bytes(this.code.finish());
    out.byte(0x0b);
    return out;
  }

  localGet(i: number): this {
    this.code.byte(0x20);
    this.code.u32(i);
    return this;
  }

  localSet(i: number): this {
    this.code.byte(0x21);
    this.code.u32(i);
    return this;
  }

  localTee(i: number): this {
    this.code.byte(0x22);
    this.code.u32(i);
    return this;
  }

  i32Const(n: number): this {
    this.code.byte(0x41);
    this.code.s32(n);
    return this;
  }

  /** i32.eqz: 1 if the operand is 0, else 0. */
  i32Eqz(): this {
    this.code.byte(0x45);
    return this;
  }

  i32Add(): this {
    this.code.byte(0x6a);
    return this;
  }

  i32Ne(): this {
    this.code.byte(0x47);
    return this;
  }

  /** loop with no parameters or results (§5.4.1, blocktype 0x40): a branch to it starts it again; close it with {@link end}. */
  loop(): this {
    this.code.bytes([0x03, 0x40]);
    return this;
  }

  /** end closes the innermost loop or block. */
  end(): this {
    this.code.byte(0x0b);
    return this;
  }

  /** br_if: [i32] → branch to the enclosing construct `depth` levels out (0: the innermost) if the operand is not 0. */
  brIf(depth: number): this {
    this.code.byte(0x0d);
    this.code.u32(depth);
    return this;
  }

  /** call the function with index `index` (its position in the module's function list). */
  call(index: number): this {
    this.code.byte(0x10);
    this.code.u32(index);
    return this;
  }

  /** A SIMD instruction without immediates (binary operators, splat, not, any_true, …). */
  simd(op: 'i32x4.splat' | 'v128.not' | 'v128.and' | 'v128.andnot' | 'v128.or' | 'v128.xor' | 'v128.bitselect' | 'v128.any_true' | 'i32x4.shl' | 'i32x4.shr_u' | 'i32x4.add'): this {
    this.code.byte(0xfd);
    this.code.u32(SIMD[op]);
    return this;
  }

  /** A SIMD memory instruction: `offset` is the memarg's constant offset; the alignment hint is 1 byte (any address). */
  simdMemory(op: 'v128.load' | 'v128.load32_splat' | 'v128.store', offset: number): this {
    this.code.byte(0xfd);
    this.code.u32(SIMD[op]);
    this.code.byte(0); // log2 of the alignment: unaligned accesses are allowed and common here
    this.code.u32(offset);
    return this;
  }

  /** v128.load32_lane: [address, vector] → the vector with lane `lane` loaded from address + offset. */
  load32Lane(offset: number, lane: number): this {
    this.code.byte(0xfd);
    this.code.u32(SIMD['v128.load32_lane']);
    this.code.byte(0);
    this.code.u32(offset);
    this.code.byte(lane);
    return this;
  }

  /** i32x4.extract_lane: [vector] → lane `lane` as an i32. */
  extractLane(lane: number): this {
    this.code.byte(0xfd);
    this.code.u32(SIMD['i32x4.extract_lane']);
    this.code.byte(lane);
    return this;
  }

  /** v128.const of four i32 lanes (stored little-endian, lane 0 first). */
  v128Const(lanes: readonly [number, number, number, number]): this {
    this.code.byte(0xfd);
    this.code.u32(SIMD['v128.const']);
    for (const w of lanes) this.code.bytes([w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, (w >>> 24) & 0xff]);
    return this;
  }

  /** i8x16.shuffle: [a, b] → bytes picked by `bytes` (0–15 from a, 16–31 from b). */
  shuffle(bytes: readonly number[]): this {
    if (bytes.length !== 16) throw new Error('wasm-emit: a shuffle picks 16 bytes');
    this.code.byte(0xfd);
    this.code.u32(SIMD['i8x16.shuffle']);
    this.code.bytes(bytes);
    return this;
  }
}

/** An exported function of a module. */
export interface ExportedFunction {
  name: string;
  body: FunctionBody;
}

/** section appends section `id` with its contents (§5.5.2). */
function section(out: ByteWriter, id: number, contents: ByteWriter): void {
  out.byte(id);
  out.vec(contents);
}

/**
 * moduleBytes encodes a module of the `functions`, each exported under its name, and one memory
 * of `pages` 64 KiB pages exported as "memory" (§5.5).
 */
export function moduleBytes(functions: readonly ExportedFunction[], pages: number): Uint8Array<ArrayBuffer> {
  const out = new ByteWriter();
  out.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]); // magic, version 1
  const types = new ByteWriter();
  types.u32(functions.length); // one type per function: simple, and duplicates are allowed
  for (const { body } of functions) {
    types.byte(0x60);
    types.u32(body.params.length);
    types.bytes(body.params);
    types.u32(body.results.length);
    types.bytes(body.results);
  }
  section(out, 1, types);
  const funcs = new ByteWriter();
  funcs.u32(functions.length);
  functions.forEach((_, i) => funcs.u32(i));
  section(out, 3, funcs);
  const memory = new ByteWriter();
  memory.bytes([1, 0x00]); // one memory; limits: a minimum, no maximum
  memory.u32(pages);
  section(out, 5, memory);
  const exports = new ByteWriter();
  exports.u32(functions.length + 1);
  functions.forEach((f, i) => {
    exports.name(f.name);
    exports.byte(0x00);
    exports.u32(i);
  });
  exports.name('memory');
  exports.bytes([0x02, 0x00]);
  section(out, 7, exports);
  const code = new ByteWriter();
  code.u32(functions.length);
  for (const { body } of functions) code.vec(body.encode());
  section(out, 10, code);
  return out.finish();
}
