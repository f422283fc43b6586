/**
 * Audit progress kept as plain files in a directory (`runproof audit --state DIR`):
 *
 *     progress.json    {"version":1,"origin":…,"bundles":N,"lastTime":…}   (replaced atomically)
 *     identities.bin   N·256 identities, 32 bytes each                     (append-only)
 *     tiles.bin        N level-0 tile hashes, 32 bytes each                  (append-only)
 *
 * The binary files are appended first and progress.json renamed into place last, so after a
 * crash progress.json never claims more than the files hold; extra bytes from an interrupted
 * append are cut off on the next load. A save from 0 (a first run, or one that discarded older
 * progress) first sets progress.json to 0 bundles, then empties the files. Node-only (node:fs):
 * the library audit takes any {@link AuditStateStore}.
 */
import { appendFile, mkdir, readFile, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunproofError } from '../../src/errors.js';
import { TILE_WIDTH } from '../../src/merkle/tiles.js';
import type { AuditProgress, AuditStateStore } from './state.js';

const HASH = 32;

interface ProgressFile {
  version: 1;
  origin: string;
  bundles: number;
  lastTime: number;
}

function corrupt(dir: string, why: string): RunproofError {
  return new RunproofError('MALFORMED_REQUEST', `audit state in ${dir} is unusable (${why}); remove the directory to start over`);
}

/** dirStateStore keeps audit progress in `dir` (created if missing). */
export function dirStateStore(dir: string): AuditStateStore {
  const paths = { progress: join(dir, 'progress.json'), identities: join(dir, 'identities.bin'), tiles: join(dir, 'tiles.bin') };
  return {
    async load(origin) {
      let text: string;
      try {
        text = await readFile(paths.progress, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      let p: ProgressFile;
      try {
        p = JSON.parse(text) as ProgressFile;
      } catch {
        throw corrupt(dir, 'progress.json is not JSON');
      }
      if (p.version !== 1 || typeof p.origin !== 'string' || !Number.isSafeInteger(p.bundles) || p.bundles < 0 || !Number.isSafeInteger(p.lastTime)) {
        throw corrupt(dir, 'progress.json has an unknown shape');
      }
      if (p.origin !== origin) throw corrupt(dir, `it is for log ${JSON.stringify(p.origin)}, not ${JSON.stringify(origin)}`);
      const idBytes = p.bundles * TILE_WIDTH * HASH;
      const tileBytes = p.bundles * HASH;
      const [identities, tiles] = await Promise.all([readFile(paths.identities), readFile(paths.tiles)]);
      if (identities.length < idBytes || tiles.length < tileBytes) throw corrupt(dir, 'the .bin files are shorter than progress.json says');
      if (identities.length > idBytes) await truncate(paths.identities, idBytes);
      if (tiles.length > tileBytes) await truncate(paths.tiles, tileBytes);
      const progress: AuditProgress = {
        origin,
        bundles: p.bundles,
        lastTime: p.lastTime,
        identities: new Uint8Array(identities.buffer, identities.byteOffset, idBytes),
        tileHashes: new Uint8Array(tiles.buffer, tiles.byteOffset, tileBytes),
      };
      return progress;
    },

    async save(from, progress) {
      await mkdir(dir, { recursive: true });
      const writeProgress = async (file: ProgressFile) => {
        const tmp = `${paths.progress}.tmp`;
        await writeFile(tmp, JSON.stringify(file) + '\n');
        await rename(tmp, paths.progress);
      };
      if (from === 0) {
        // Starting over (also after the audit discarded older progress): progress.json first says
        // 0 bundles, so a crash while the files are emptied leaves no claim they cannot back.
        await writeProgress({ version: 1, origin: progress.origin, bundles: 0, lastTime: 0 });
        await writeFile(paths.identities, new Uint8Array(0));
        await writeFile(paths.tiles, new Uint8Array(0));
      }
      await appendFile(paths.identities, progress.identities);
      await appendFile(paths.tiles, progress.tileHashes);
      await writeProgress({ version: 1, origin: progress.origin, bundles: progress.bundles, lastTime: progress.lastTime });
    },
  };
}
