/**
 * Publishing into a local directory that any static file server (nginx, a CDN origin) serves.
 *
 * Each file is written atomically: into `<DIR>/.runproof-tmp/`, fsynced, then renamed into place
 * (rename(2) replaces a path in one step, so a reader sees the old file or the whole new one).
 * The directories whose entries changed are fsynced in {@link DirectoryTarget.flush}, which the
 * publisher calls before it writes the checkpoint: after a power loss, a checkpoint on disk has
 * all its tiles on disk. The temporary directory lies inside DIR so that rename never crosses a
 * file system; a server should not serve it (docs/log-server.md has the nginx rule).
 */
import { constants } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { equalBytes } from '../../src/encoding/utf8.js';
import { ConfigError } from '../config.js';
import { syncDir } from '../../node-shared/sync-dir.js';
import { CHECKPOINT_PATH, type PublishFile } from './files.js';
import type { PublishTarget, WriteResult } from './target.js';

/** The directory under DIR holding files being written. */
export const TEMP_DIR = '.runproof-tmp';

/** DirectoryTarget publishes into a directory; see the module comment. */
export class DirectoryTarget implements PublishTarget {
  readonly name: string;
  private readonly root: string;
  /** Directories whose entries changed since the last flush. */
  private readonly dirty = new Set<string>();
  private counter = 0;

  /**
   * `onStep` is a test hook, called synchronously after each durable step of a write (the temporary
   * file synced, the rename done, a directory synced) so a test can kill the process there.
   */
  constructor(
    dir: string,
    private readonly onStep?: (step: 'temp-synced' | 'renamed' | 'dir-synced', path: string) => void,
  ) {
    this.root = resolve(dir);
    this.name = `dir:${this.root}`;
  }

  /** open creates DIR if it is missing and checks that it is a writable directory. */
  async open(): Promise<void> {
    const what = `--publish-dir ${this.root}`;
    let info;
    try {
      info = await stat(this.root).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
        await mkdir(this.root, { recursive: true });
        return stat(this.root);
      });
    } catch (e) {
      throw new ConfigError(`${what}: ${errText(e)}`);
    }
    if (!info.isDirectory()) throw new ConfigError(`${what}: not a directory`);
    try {
      // A leftover from a crash is only half-written files: remove them.
      await rm(join(this.root, TEMP_DIR), { recursive: true, force: true });
      await mkdir(join(this.root, TEMP_DIR));
      const probe = this.tempPath();
      const fh = await open(probe, 'wx', 0o644);
      await fh.close();
      await rm(probe);
    } catch (e) {
      throw new ConfigError(`${what}: not writable: ${errText(e)}`);
    }
  }

  async readCheckpoint(): Promise<Uint8Array | undefined> {
    return readOrUndefined(join(this.root, CHECKPOINT_PATH));
  }

  async write(file: PublishFile): Promise<WriteResult> {
    const path = this.resolvePath(file.path);
    const old = await readOrUndefined(path);
    if (old !== undefined && equalBytes(old, file.bytes)) return 'unchanged';
    const dir = dirname(path);
    const created = await mkdir(dir, { recursive: true });
    if (created !== undefined) {
      // Every new directory, and the one that gained the first of them, must reach the disk too.
      this.dirty.add(dirname(created));
      for (let d = dir; d.length >= created.length; d = dirname(d)) this.dirty.add(d);
    }
    await mkdir(join(this.root, TEMP_DIR), { recursive: true });
    const temp = this.tempPath();
    const fh = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    try {
      await fh.writeFile(file.bytes);
      await fh.sync();
    } catch (e) {
      await fh.close();
      await rm(temp, { force: true });
      throw e;
    }
    await fh.close();
    this.onStep?.('temp-synced', file.path);
    try {
      await rename(temp, path);
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
    this.dirty.add(dir);
    this.onStep?.('renamed', file.path);
    return old === undefined ? 'created' : 'replaced';
  }

  /** flush fsyncs every directory whose entries changed, deepest first. */
  async flush(): Promise<void> {
    const dirs = [...this.dirty].sort((a, b) => b.length - a.length);
    for (const d of dirs) {
      await syncDir(d);
      this.dirty.delete(d);
      this.onStep?.('dir-synced', d);
    }
  }

  close(): void {}

  /** tempFiles lists leftover temporary files (tests: none after a clean step). */
  async tempFiles(): Promise<string[]> {
    return readdir(join(this.root, TEMP_DIR)).catch(() => []);
  }

  private tempPath(): string {
    return join(this.root, TEMP_DIR, `${process.pid}-${++this.counter}`);
  }

  /** resolvePath maps a published path to a file under DIR; paths come from the log or a checked extra file. */
  private resolvePath(path: string): string {
    const full = resolve(this.root, path);
    if (!full.startsWith(this.root + '/')) throw new Error(`publish: path ${JSON.stringify(path)} leaves the directory`);
    return full;
  }
}

async function readOrUndefined(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // A directory where a file belongs, say: let the caller report it.
    throw e;
  }
}

function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ELOOP') return 'too many levels of symbolic links (a symlink loop)';
  if (err.code === 'ENOTDIR') return 'a path component is not a directory';
  return err.code !== undefined ? `${err.code}: ${err.message}` : String(e);
}

