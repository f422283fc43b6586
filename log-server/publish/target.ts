/**
 * Where published files go. The publisher (./publisher.ts) decides what to write and in which
 * order; a target only stores bytes at a path: a directory (./directory.ts) or an S3-compatible
 * bucket (./s3.ts).
 */
import type { PublishFile } from './files.js';

/** What {@link PublishTarget.write} found and did. */
export type WriteResult = 'created' | 'unchanged' | 'replaced';

/** PublishTarget stores published files; every method may throw on an I/O fault (the publisher retries). */
export interface PublishTarget {
  /** A short name for logs and status, e.g. `dir:/srv/log` or `s3://bucket/prefix`. */
  readonly name: string;
  /**
   * open checks the target is usable (exists, is writable) before the log starts.
   * @throws ConfigError naming what is wrong
   */
  open(): Promise<void>;
  /** readCheckpoint returns the published checkpoint's bytes, or undefined if there is none. */
  readCheckpoint(): Promise<Uint8Array | undefined>;
  /**
   * write makes the file at `file.path` hold exactly `file.bytes`, atomically (a reader sees the
   * old bytes or the new ones, never a mix). An existing file with the same bytes is left alone.
   */
  write(file: PublishFile): Promise<WriteResult>;
  /** flush makes every write so far durable; called before the checkpoint is written. */
  flush(): Promise<void>;
  /** close releases what the target holds (connections). */
  close(): void;
}
