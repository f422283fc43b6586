/**
 * `runproof-log serve` on a SQLite log with old tiles (more than 128 full tiles): over real
 * loopback HTTP, old tiles and bundles are answered with the stored bytes before, while and after
 * the blob copy `<db>-blobs` fills (log-server/storage/blob-copy.ts), and `--no-blob-copy`
 * serves them without ever making the file.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobCopyPath, claimedRecords } from '../../log-server/storage/blob-copy.js';
import { entriesPath, tilePath } from '../../src/merkle/tiles.js';
import { onSqlite } from '../helpers/backends.js';
import { startLogProcess } from '../helpers/log-process.js';
import { identity, openLog, SIGNER_KEY } from '../log-core/helpers.js';

const FULL = 131; // tiles 0–2 are old (RECENT_BLOBS = 128 are kept in memory)
const OLD = [0, 1, 2];

describe.runIf(onSqlite)('old tiles served from the blob copy (runproof-log serve)', () => {
  let dir: string;
  const stored = new Map<string, Buffer>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'runproof-blob-serve-'));
    writeFileSync(join(dir, 'log.key'), SIGNER_KEY + '\n', { mode: 0o600 });
    const log = await openLog(join(dir, 'log.db'), { maxBatch: 4096, blobCopy: false });
    try {
      for (let n = 0; n < FULL * 256 + 7; n += 4096) await log.submitMany(Array.from({ length: Math.min(4096, FULL * 256 + 7 - n) }, (_, i) => identity(n + i, 'serve')));
      for (const i of OLD) {
        stored.set(tilePath({ level: 0, index: i, width: 256 }), Buffer.from((await log.readTile({ level: 0, index: i, width: 256 }))!));
        stored.set(entriesPath(i, 256), Buffer.from((await log.readEntries(i, 256))!));
      }
    } finally {
      await log.close();
    }
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** readsAll GETs every old tile and bundle and checks them byte for byte. */
  async function readsAll(url: string): Promise<void> {
    for (const [path, bytes] of stored) {
      const res = await fetch(`${url}/${path}`, { headers: { 'accept-encoding': 'identity' } }); // bytes as stored, not gzip
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-length'), path).toBe(String(bytes.length));
      expect(res.headers.get('cache-control'), path).toBe('public, max-age=31536000, immutable');
      expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), bytes), path).toBe(0);
    }
  }

  it('answers the stored bytes before, while and after the copy fills', async () => {
    const server = await startLogProcess({ dataDir: dir });
    const path = blobCopyPath(join(dir, 'log.db'));
    try {
      await readsAll(server.url); // the first reads: from SQLite; they start the fill
      for (let i = 0; i < 400 && !(existsSync(path) && claimedRecords(path) === FULL); i++) {
        await readsAll(server.url);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(claimedRecords(path)).toBe(FULL);
      await readsAll(server.url); // from the copy
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.stderr()).not.toMatch(/blob copy/);
  });

  it('--no-blob-copy serves the same bytes and makes no file', async () => {
    rmSync(blobCopyPath(join(dir, 'log.db')), { force: true });
    const server = await startLogProcess({ dataDir: dir, args: ['--no-blob-copy'] });
    try {
      await readsAll(server.url);
      await new Promise((r) => setTimeout(r, 1_500)); // longer than a fill and its claim delay
      await readsAll(server.url);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(existsSync(blobCopyPath(join(dir, 'log.db')))).toBe(false);
  });
});
