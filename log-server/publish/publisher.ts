/**
 * The publishing core, the same for every target: after each committed batch, write the tiles
 * and bundles the new checkpoint needs, make them durable, then write the checkpoint.
 *
 * - Off the hot path: {@link Publisher.onCheckpoint} (the log's post-commit hook) only wakes the
 *   loop; a submission's receipt never waits for publication, and a failing target never fails
 *   one. Batches that commit while a step runs are published together by the next step.
 * - Checkpoint last: a reader of the target never sees a checkpoint whose files are missing.
 * - Faults (a full or read-only directory, an unreachable bucket) are logged once, shown by
 *   {@link Publisher.status} (health answer and metrics), and retried with backoff until they pass.
 * - Healing: at start the published checkpoint is read back; the first step rewrites every file
 *   from that size on, comparing bytes, so what a crash left behind (files of a checkpoint that
 *   was never published) is checked before the published checkpoint moves forward. Files below
 *   the published size were durable before that checkpoint was written. `runproof-log publish`
 *   checks every file from size 0.
 */
import { parseCheckpoint } from '../../src/note/checkpoint.js';
import { parseNote } from '../../src/note/note.js';
import { ConfigError } from '../config.js';
import { checkpointFile, extraFile, filesBetween, readFile, type ExtraFile, type PublishFile, type PublishSource } from './files.js';
import type { PublishTarget, WriteResult } from './target.js';

/** Options of {@link Publisher.start}. */
export interface PublisherOptions {
  /** Extra static files published beside the log's (the explorer); see {@link ExtraFile}. */
  extraFiles?: readonly ExtraFile[];
  /** Re-check every file from size 0, not only those from the published size on (the one-shot export). */
  full?: boolean;
  /** Where faults and recoveries are reported (default: stderr). */
  log?: (message: string) => void;
  /** First retry delay after a fault, ms (default 500; doubles up to {@link MAX_RETRY_MS}). */
  retryMs?: number;
  /** Test hook: awaited before each file is written (`phase` 'file' or 'checkpoint'). */
  beforeWrite?: (path: string, phase: 'file' | 'checkpoint') => Promise<void> | void;
}

/** What a publisher reports (health answer, metrics). */
export interface PublishStatus {
  target: string;
  /** Size of the checkpoint published last (-1: none yet). */
  size: number;
  /** The current fault, if the last attempt failed. */
  error?: string;
  /** Failed attempts so far. */
  failures: number;
  /** Files written (created or replaced) so far. */
  written: number;
}

/** Longest wait between retries, ms. */
const MAX_RETRY_MS = 5000;
/** Files written at once within a step. */
const PARALLEL = 8;

/** Publisher keeps one target in step with the log; see the module comment. */
export class Publisher {
  private published = -1;
  private extras: ExtraFile[];
  private running: Promise<void> | undefined;
  private wake = false;
  private closed = false;
  private fault: string | undefined;
  private failures = 0;
  private written = 0;
  private retryTimer: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  private readonly say: (message: string) => void;

  private constructor(
    private readonly source: PublishSource,
    private readonly target: PublishTarget,
    private readonly opts: PublisherOptions,
  ) {
    this.extras = [...(opts.extraFiles ?? [])];
    for (const f of this.extras) checkExtraPath(f.path);
    this.say = opts.log ?? ((m) => process.stderr.write(`runproof-log: publish: ${m}\n`));
  }

  /**
   * start reads the checkpoint of an opened target back and starts publishing up to the log's
   * latest checkpoint (without waiting for it).
   * @throws ConfigError if the target holds a checkpoint that is not this log's
   */
  static async start(source: PublishSource, target: PublishTarget, opts: PublisherOptions = {}): Promise<Publisher> {
    const p = new Publisher(source, target, opts);
    try {
      p.published = opts.full === true ? -1 : await p.publishedSize();
    } catch (e) {
      target.close();
      throw e;
    }
    p.onCheckpoint();
    return p;
  }

  /** onCheckpoint is the log's post-commit hook: it only wakes the publishing loop. */
  onCheckpoint(): void {
    if (this.closed) return;
    this.wake = true;
    this.running ??= this.loop().finally(() => (this.running = undefined));
  }

  /** status is what the health answer and the metrics show. */
  status(): PublishStatus {
    return { target: this.target.name, size: this.published, ...(this.fault !== undefined ? { error: this.fault } : {}), failures: this.failures, written: this.written };
  }

  /** caughtUp resolves once the target holds the log's latest checkpoint (now or later). */
  async caughtUp(): Promise<void> {
    while (this.published !== this.source.latest().checkpoint.size || this.extras.length > 0) {
      if (this.closed) throw new Error('publish: closed');
      this.onCheckpoint();
      await this.running;
    }
  }

  /**
   * close waits up to `timeoutMs` for the target to catch up with the log (a graceful stop leaves
   * the mirror complete), then stops. Call it before closing the log.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return;
    const deadline = new Promise<void>((r) => setTimeout(r, timeoutMs).unref());
    await Promise.race([this.caughtUp().catch(() => undefined), deadline]);
    this.closed = true;
    this.retryTimer?.resolve();
    // A write stuck in a target that does not answer is abandoned at the deadline.
    await Promise.race([this.running, deadline]);
    this.target.close();
  }

  /** loop publishes until the target holds the latest checkpoint, retrying after faults. */
  private async loop(): Promise<void> {
    let delay = this.opts.retryMs ?? 500;
    while (this.wake && !this.closed) {
      this.wake = false;
      const { signed, checkpoint } = this.source.latest();
      if (checkpoint.size === this.published && this.extras.length === 0) continue;
      try {
        await this.step(signed, checkpoint.size);
        if (this.fault !== undefined) this.say(`recovered: ${this.target.name} is at tree size ${this.published}`);
        this.fault = undefined;
        delay = this.opts.retryMs ?? 500;
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        this.failures++;
        if (message !== this.fault) this.say(`cannot publish to ${this.target.name} (retrying; the log keeps serving): ${message}`);
        this.fault = message;
        this.wake = true;
        await new Promise<void>((resolve) => (this.retryTimer = { timer: setTimeout(resolve, delay), resolve }));
        clearTimeout(this.retryTimer!.timer);
        this.retryTimer = undefined;
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      }
    }
  }

  /** step publishes the checkpoint `signed` of `size`: every file it needs, a flush, then the checkpoint. */
  private async step(signed: string, size: number): Promise<void> {
    for (let i = 0; i < this.extras.length; i += PARALLEL) await this.writeAll(this.extras.slice(i, i + PARALLEL).map(extraFile));
    // Bytes are read chunk by chunk: the first step of a large log lists every file it has.
    const refs = filesBetween(Math.max(this.published, 0), size);
    for (let i = 0; i < refs.length; i += PARALLEL) await this.writeAll(await Promise.all(refs.slice(i, i + PARALLEL).map((r) => readFile(this.source, r))));
    await this.target.flush();
    this.extras = [];
    const cp = checkpointFile(signed);
    await this.opts.beforeWrite?.(cp.path, 'checkpoint');
    this.count(cp.path, false, await this.target.write(cp));
    await this.target.flush();
    this.published = size;
  }

  /** writeAll writes files concurrently. */
  private async writeAll(files: PublishFile[]): Promise<void> {
    await Promise.all(
      files.map(async (f) => {
        await this.opts.beforeWrite?.(f.path, 'file');
        this.count(f.path, f.immutable, await this.target.write(f));
      }),
    );
  }

  private count(path: string, immutable: boolean, result: WriteResult): void {
    if (result !== 'unchanged') this.written++;
    if (result === 'replaced' && immutable) this.say(`${this.target.name}/${path} held other bytes than the log's; replaced`);
  }

  /**
   * publishedSize reads the target's checkpoint: -1 if there is none; its size if it is the log's
   * own checkpoint of that size.
   * @throws ConfigError if it belongs to another log or tree (never overwrite someone else's mirror)
   */
  private async publishedSize(): Promise<number> {
    const bytes = await this.target.readCheckpoint();
    if (bytes === undefined) return -1;
    const text = new TextDecoder().decode(bytes);
    const latest = this.source.latest();
    let size: number | undefined;
    try {
      const cp = parseCheckpoint(parseNote(text).text);
      if (cp.origin === latest.checkpoint.origin) size = cp.size;
    } catch {
      size = undefined;
    }
    if (size === undefined || size > latest.checkpoint.size || (await this.source.checkpointAt(size)) !== text) {
      throw new ConfigError(
        `${this.target.name} holds a checkpoint that is not one of this log's (another log, or a log restored from an older backup); ` +
          'refusing to overwrite it: empty it or publish elsewhere',
      );
    }
    return size;
  }
}

/** checkExtraPath refuses extra paths that could escape the prefix or shadow the log's own files. */
function checkExtraPath(path: string): void {
  const ok = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(path) && !path.split('/').some((p) => p === '.' || p === '..') &&
    path !== 'checkpoint' && !path.startsWith('tile/') && !path.startsWith('.runproof-tmp');
  if (!ok) throw new Error(`publish: extra file path ${JSON.stringify(path)} is not a plain relative path outside checkpoint and tile/`);
}
