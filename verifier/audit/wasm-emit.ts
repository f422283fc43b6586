/**
 * A small writer of WebAssembly modules (core spec, binary format §5, with the fixed-width
 * SIMD instructions of WebAssembly 2.0, §5.4.8), enough for straight-line functions over i32
 * and v128 locals and one memory: the audit's 4-lane SHA-256 (./sha256x4.ts) is generated with
 * it when the module loads, so the repository holds readable code and no binary blob.
 *
 * Instructions are appended to a {@link FunctionBody} by name; each method writes exactly the
 * opcode and immediates of that instruction. Values are not type-checked here:
 * `WebAssembly.validate` checks the finished module.
 */

/** Value types (binary format §5.3.1). */
export const I32 = 0x7f;
export const V128 = 0x7b;

/** unsignedLeb appends `n` (a non-negative integer below 2^32) as unsigned LEB128 (§5.2.2). */
function unsignedLeb(out: number[], n: number): void {
  for (;;) {
    const low = n % 128;
    n = Math.floor(n / 128);
    if (n === 0) {
      out.push(low);
      return;
    }
    out.push(low + 128);
  }
}

/** signedLeb appends the 32-bit integer `n` as signed LEB128 (§5.2.2), for i32.const. */
function signedLeb(out: number[], n: number): void {
  let v = n | 0;
  for (;;) {
    const low = v & 0x7f;
    v >>= 7; // arithmetic: the sign is kept until the value is all sign bits
    const done = (v === 0 && (low & 0x40) === 0) || (v === -1 && (low & 0x40) !== 0);
    out.push(done ? low : low | 0x80);
    if (done) return;
  }
}

/** name appends a UTF-8 name with its length (§5.2.4). */
function name(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  unsignedLeb(out, bytes.length);
  out.push(...bytes);
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
  readonly code: number[] = [];
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

  /** The encoded body (§5.5.13): local declarations run-length encoded, the code, `end`. */
  encode(): number[] {
    const runs: [number, number][] = [];
    for (const t of this.locals) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    const out: number[] = [];
    unsignedLeb(out, runs.length);
    for (const [count, t] of runs) {
      unsignedLeb(out, count);
      out.push(t);
    }
    append(out, this.code);
    out.push(0x0b);
    return out;
  }

  localGet(i: number): this {
    this.code.push(0x20);
    unsignedLeb(this.code, i);
    return this;
  }

  localSet(i: number): this {
    this.code.push(0x21);
    unsignedLeb(this.code, i);
    return this;
  }

  localTee(i: number): this {
    this.code.push(0x22);
    unsignedLeb(this.code, i);
    return this;
  }

  i32Const(n: number): this {
    this.code.push(0x41);
    signedLeb(this.code, n);
    return this;
  }

  /** i32.eqz: 1 if the operand is 0, else 0. */
  i32Eqz(): this {
    this.code.push(0x45);
    return this;
  }

  /** A SIMD instruction without immediates (binary operators, splat, not, any_true, …). */
  simd(op: 'i32x4.splat' | 'v128.not' | 'v128.and' | 'v128.andnot' | 'v128.or' | 'v128.xor' | 'v128.bitselect' | 'v128.any_true' | 'i32x4.shl' | 'i32x4.shr_u' | 'i32x4.add'): this {
    this.code.push(0xfd);
    unsignedLeb(this.code, SIMD[op]);
    return this;
  }

  /** A SIMD memory instruction: `offset` is the memarg's constant offset; the alignment hint is 1 byte (any address). */
  simdMemory(op: 'v128.load' | 'v128.load32_splat' | 'v128.store', offset: number): this {
    this.code.push(0xfd);
    unsignedLeb(this.code, SIMD[op]);
    this.code.push(0); // log2 of the alignment: unaligned accesses are allowed and common here
    unsignedLeb(this.code, offset);
    return this;
  }

  /** v128.load32_lane: [address, vector] → the vector with lane `lane` loaded from address + offset. */
  load32Lane(offset: number, lane: number): this {
    this.code.push(0xfd);
    unsignedLeb(this.code, SIMD['v128.load32_lane']);
    this.code.push(0);
    unsignedLeb(this.code, offset);
    this.code.push(lane);
    return this;
  }

  /** i32x4.extract_lane: [vector] → lane `lane` as an i32. */
  extractLane(lane: number): this {
    this.code.push(0xfd);
    unsignedLeb(this.code, SIMD['i32x4.extract_lane']);
    this.code.push(lane);
    return this;
  }

  /** v128.const of four i32 lanes (stored little-endian, lane 0 first). */
  v128Const(lanes: readonly [number, number, number, number]): this {
    this.code.push(0xfd);
    unsignedLeb(this.code, SIMD['v128.const']);
    for (const w of lanes) this.code.push(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, (w >>> 24) & 0xff);
    return this;
  }

  /** i8x16.shuffle: [a, b] → bytes picked by `bytes` (0–15 from a, 16–31 from b). */
  shuffle(bytes: readonly number[]): this {
    if (bytes.length !== 16) throw new Error('wasm-emit: a shuffle picks 16 bytes');
    this.code.push(0xfd);
    unsignedLeb(this.code, SIMD['i8x16.shuffle']);
    this.code.push(...bytes);
    return this;
  }
}

/** An exported function of a module. */
export interface ExportedFunction {
  name: string;
  body: FunctionBody;
}

/** append appends `bytes` to `out` (a loop: spreading tens of thousands of arguments can overflow the stack). */
function append(out: number[], bytes: readonly number[]): void {
  for (const b of bytes) out.push(b);
}

/** section appends section `id` with its contents and their size (§5.5.2). */
function section(out: number[], id: number, contents: number[]): void {
  out.push(id);
  unsignedLeb(out, contents.length);
  append(out, contents);
}

/**
 * moduleBytes encodes a module of the `functions`, each exported under its name, and one memory
 * of `pages` 64 KiB pages exported as "memory" (§5.5).
 */
export function moduleBytes(functions: readonly ExportedFunction[], pages: number): Uint8Array<ArrayBuffer> {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  unsignedLeb(types, functions.length); // one type per function: simple, and duplicates are allowed
  for (const { body } of functions) {
    types.push(0x60);
    unsignedLeb(types, body.params.length);
    types.push(...body.params);
    unsignedLeb(types, body.results.length);
    types.push(...body.results);
  }
  section(out, 1, types);
  const funcs: number[] = [];
  unsignedLeb(funcs, functions.length);
  functions.forEach((_, i) => unsignedLeb(funcs, i));
  section(out, 3, funcs);
  const memory = [1, 0x00]; // one memory, limits: a minimum and no maximum
  unsignedLeb(memory, pages);
  section(out, 5, memory);
  const exports: number[] = [];
  unsignedLeb(exports, functions.length + 1);
  functions.forEach((f, i) => {
    name(exports, f.name);
    exports.push(0x00);
    unsignedLeb(exports, i);
  });
  name(exports, 'memory');
  exports.push(0x02, 0x00);
  section(out, 7, exports);
  const code: number[] = [];
  unsignedLeb(code, functions.length);
  for (const { body } of functions) {
    const encoded = body.encode();
    unsignedLeb(code, encoded.length);
    append(code, encoded);
  }
  section(out, 10, code);
  return new Uint8Array(out);
}
