/**
 * Which files a published checkpoint needs, and the HTTP headers of each kind — the static form
 * of the c2sp.org/tlog-tiles read API. A plain file server (or a CDN over object storage) that
 * serves these bytes at these paths is a complete tlog-tiles endpoint of the log.
 *
 * Hash tiles and entry bundles are immutable at their path (a partial tile `….p/<W>` keeps its
 * bytes; a wider one gets a new path), so they may be cached for long; only `checkpoint` changes.
 */
import { changedTiles, entriesPath, tilePath, type Tile } from '../../src/merkle/tiles.js';

/** Cache-Control of tiles and bundles (as Sunlight and Tessera publish them). */
export const IMMUTABLE_CACHE = 'public, max-age=604800, immutable';
/** Cache-Control of the checkpoint: revalidate on every read (tlog-tiles: no caching beyond a few seconds). */
export const CHECKPOINT_CACHE = 'no-cache';
/** Content-Type of hash tiles and entry bundles (c2sp.org/tlog-tiles). */
export const TILE_TYPE = 'application/octet-stream';
/** Content-Type of the checkpoint, a signed note (c2sp.org/tlog-tiles "Checkpoints"). */
export const CHECKPOINT_TYPE = 'text/plain; charset=utf-8';
/** The checkpoint's path under the publication prefix. */
export const CHECKPOINT_PATH = 'checkpoint';

/** A file to publish: its path under the prefix (no leading slash), bytes and headers. */
export interface PublishFile {
  path: string;
  bytes: Uint8Array;
  contentType: string;
  cacheControl: string;
  /** True for tiles and bundles: once written, the bytes at this path never change. */
  immutable: boolean;
}

/** An extra static file published beside the log's (e.g. the explorer's `index.html`); rewritten when its bytes change. */
export interface ExtraFile {
  path: string;
  bytes: Uint8Array;
  contentType: string;
  /** Default `no-cache`: such files change when the software is upgraded. */
  cacheControl?: string;
}

/** A tile or bundle to publish, before its bytes are read. */
export type FileRef = { kind: 'hash'; tile: Tile; path: string } | { kind: 'entries'; index: number; width: number; path: string };

/** The reads of the log that publication needs — `Log`'s public read surface (values or promises). */
export interface PublishSource {
  latest(): { signed: string; checkpoint: { origin: string; size: number } };
  checkpointAt(size: number): string | undefined | Promise<string | undefined>;
  readTile(tile: Tile): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  readEntries(index: number, width: number): Uint8Array | undefined | Promise<Uint8Array | undefined>;
}

/**
 * filesBetween lists the tiles and bundles a tree of `newSize` has that a tree of `oldSize` does
 * not (new ones, and the wider versions of old partial ones): the hash tiles of
 * {@link changedTiles} and, for each level-0 tile, the entry bundle of the same index and width.
 * Bundles come first, then tiles level by level, so a reader following paths finds leaves first.
 */
export function filesBetween(oldSize: number, newSize: number): FileRef[] {
  const tiles = changedTiles(oldSize, newSize);
  const bundles: FileRef[] = tiles
    .filter((t) => t.level === 0)
    .map((t) => ({ kind: 'entries', index: t.index, width: t.width, path: entriesPath(t.index, t.width) }));
  return [...bundles, ...tiles.map((t): FileRef => ({ kind: 'hash', tile: t, path: tilePath(t) }))];
}

/** readFile reads a tile or bundle from the log; it must exist (the log's size covers it). */
export async function readFile(source: PublishSource, ref: FileRef): Promise<PublishFile> {
  const bytes = await (ref.kind === 'hash' ? source.readTile(ref.tile) : source.readEntries(ref.index, ref.width));
  if (bytes === undefined) throw new Error(`publish: the log has no ${ref.path}`);
  return { path: ref.path, bytes, contentType: TILE_TYPE, cacheControl: IMMUTABLE_CACHE, immutable: true };
}

/** checkpointFile is the `checkpoint` file carrying `signed` (the log's signed note). */
export function checkpointFile(signed: string): PublishFile {
  return { path: CHECKPOINT_PATH, bytes: new TextEncoder().encode(signed), contentType: CHECKPOINT_TYPE, cacheControl: CHECKPOINT_CACHE, immutable: false };
}

/** extraFile turns an {@link ExtraFile} into a mutable {@link PublishFile}. */
export function extraFile(f: ExtraFile): PublishFile {
  return { path: f.path, bytes: f.bytes, contentType: f.contentType, cacheControl: f.cacheControl ?? 'no-cache', immutable: false };
}
