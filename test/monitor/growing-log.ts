/**
 * A log that grows between monitor rounds, served over real loopback HTTP exactly as a
 * c2sp.org/tlog-tiles log (`/checkpoint`, hash tiles, entry bundles), built with src/ only.
 * Two GrowingLogs with the same origin (hence the same key) over different trees are a
 * malicious log showing each client its own history. {@link GrowingLog.lie} makes it a hostile
 * (or merely broken) log that changes the unsigned resources it serves in a chosen way.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { concatBytes } from '../../src/encoding/utf8.js';
import { encodeBundle } from '../../src/merkle/bundle.js';
import { TILE_HEIGHT, TILE_WIDTH, parseTilePath, tileWidthAt } from '../../src/merkle/tiles.js';
import type { Signer } from '../../src/note/keys.js';
import { MemTree, signedCheckpoint } from '../witness/helpers.js';

/** A growing log over a {@link MemTree}, publishing checkpoints on demand. */
export class GrowingLog {
  /** Sizes of every published checkpoint (partial tiles stay served for each). */
  private readonly published: number[] = [];
  private checkpoint = '';
  /** Replace what /checkpoint serves (e.g. a badly signed note); undefined: the published one. */
  override: string | undefined;
  /**
   * A hostile log: called with each tile or bundle path and its honest bytes, returns the bytes
   * to serve instead (a flipped byte, a short tile…) or undefined for the honest ones.
   */
  lie: ((path: string, honest: Uint8Array) => Uint8Array | undefined) | undefined;
  private server: Server | undefined;
  url = '';

  constructor(
    readonly signer: Signer,
    public tree: MemTree,
  ) {}

  /** rewrite swaps in another history (same key and origin): what a dishonest log does. */
  rewrite(tree: MemTree): void {
    this.tree = tree;
    this.published.length = 0;
    this.override = undefined;
  }

  /** publish signs a checkpoint at the tree's current size (or `size`) and serves it. */
  publish(size = this.tree.size): string {
    this.checkpoint = signedCheckpoint(this.signer, this.tree, size);
    this.published.push(size);
    return this.checkpoint;
  }

  /** The currently served checkpoint. */
  get current(): string {
    return this.override ?? this.checkpoint;
  }

  private tile(level: number, index: number, width: number): Uint8Array | undefined {
    const size = this.tree.size;
    const full = tileWidthAt(level, index, size);
    if (width > full || (width < TILE_WIDTH && !this.published.some((s) => tileWidthAt(level, index, s) === width))) return undefined;
    const nodes = Array.from({ length: width }, (_, k) => ({ level: level * TILE_HEIGHT, index: index * TILE_WIDTH + k }));
    return concatBytes(...this.tree.read(nodes));
  }

  private bundle(index: number, width: number): Uint8Array | undefined {
    if (this.tile(0, index, width) === undefined) return undefined;
    return encodeBundle(Array.from({ length: width }, (_, k) => this.tree.entry(index * TILE_WIDTH + k)));
  }

  private handle(path: string): { status: number; body: Uint8Array | string } {
    if (path === '/checkpoint') return { status: 200, body: this.current };
    let info;
    try {
      info = parseTilePath(path.slice(1));
    } catch {
      return { status: 404, body: 'not found\n' };
    }
    const data = info.kind === 'hash' ? this.tile(info.tile.level, info.tile.index, info.tile.width) : this.bundle(info.index, info.width);
    if (data === undefined) return { status: 404, body: 'not found\n' };
    return { status: 200, body: this.lie?.(path, data) ?? data };
  }

  /** listen serves the log on 127.0.0.1 at a free port. */
  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const out = this.handle((req.url ?? '/').split('?')[0]!);
      res.writeHead(out.status, { 'content-type': typeof out.body === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream' });
      res.end(out.body);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (s === undefined) return;
    this.server = undefined;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
