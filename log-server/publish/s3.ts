/**
 * Publishing into an S3-compatible bucket (AWS S3, or a store such as MinIO or Ceph through
 * `--publish-s3-endpoint`), with the standard AWS credential chain (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, profiles, instance roles).
 *
 * Tiles and bundles are PUT with `If-None-Match: *`: the store refuses to overwrite an existing
 * object (HTTP 412). The publisher then reads it back: identical bytes are fine (a retry, or
 * another instance published it first); different bytes are replaced and reported, as the
 * directory target does. The checkpoint is PUT unconditionally, after every tile and bundle it
 * needs has been acknowledged. A PUT is atomic in S3: readers see the old object or the new one.
 */
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { equalBytes } from '../../src/encoding/utf8.js';
import { ConfigError, type S3Location } from '../config.js';
import { CHECKPOINT_PATH, type PublishFile } from './files.js';
import type { PublishTarget, WriteResult } from './target.js';

/** S3Target publishes into a bucket; see the module comment. */
export class S3Target implements PublishTarget {
  readonly name: string;
  private readonly client: S3Client;

  /** `endpoint`: the URL of an S3-compatible store (path-style addressing); default AWS. */
  constructor(
    private readonly where: S3Location,
    endpoint?: string,
  ) {
    this.name = `s3://${where.bucket}/${where.prefix}`;
    this.client = new S3Client({
      ...(endpoint !== undefined ? { endpoint, forcePathStyle: true } : {}),
      region: process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
      maxAttempts: 3,
      // A store that stops answering becomes a reported fault (and a retry), not a hung publisher.
      requestHandler: { connectionTimeout: 5000, requestTimeout: 30_000 },
    });
  }

  /** open checks that the bucket exists and the credentials may use it. */
  async open(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.where.bucket }));
    } catch (e) {
      const status = statusOf(e);
      if (status === 404) throw new ConfigError(`--publish-s3: bucket ${this.where.bucket} does not exist`);
      if (status === 403) throw new ConfigError(`--publish-s3: access to bucket ${this.where.bucket} denied (check the AWS credentials)`);
      throw new ConfigError(`--publish-s3: cannot reach bucket ${this.where.bucket}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  async readCheckpoint(): Promise<Uint8Array | undefined> {
    return this.get(CHECKPOINT_PATH);
  }

  async write(file: PublishFile): Promise<WriteResult> {
    const put = (conditional: boolean) =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.where.bucket,
          Key: this.key(file.path),
          Body: file.bytes,
          ContentType: file.contentType,
          CacheControl: file.cacheControl,
          ...(conditional ? { IfNoneMatch: '*' } : {}),
        }),
      );
    if (!file.immutable) {
      await put(false);
      return 'replaced';
    }
    try {
      await put(true);
      return 'created';
    } catch (e) {
      if (statusOf(e) !== 412) throw e;
    }
    const old = await this.get(file.path);
    if (old !== undefined && equalBytes(old, file.bytes)) return 'unchanged';
    await put(false);
    return 'replaced';
  }

  /** flush: an acknowledged PUT is durable in S3. */
  async flush(): Promise<void> {}

  close(): void {
    this.client.destroy();
  }

  private key(path: string): string {
    return this.where.prefix === '' ? path : `${this.where.prefix}/${path}`;
  }

  private async get(path: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.where.bucket, Key: this.key(path) }));
      return await out.Body!.transformToByteArray();
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }
}

function statusOf(e: unknown): number | undefined {
  if (e instanceof S3ServiceException) return e.$metadata.httpStatusCode;
  return (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}
