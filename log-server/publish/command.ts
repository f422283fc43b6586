/**
 * `runproof-log publish` — a one-shot export of an existing log as static files: every tile,
 * bundle and the latest checkpoint, each compared with what is already there (missing or
 * different files are rewritten), checkpoint last. It also repairs a damaged mirror.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, parseEndpoint, parseS3Url } from '../config.js';
import { readKeyFile } from '../keyfile.js';
import { Log } from '../log.js';
import { sqliteBackend } from '../storage/sqlite.js';
import { makeTargets, openTargets } from './index.js';
import { Publisher } from './publisher.js';
import { explorerFiles } from '../http/routes/explorer.js';
import { verifierKey } from '../../src/note/keys.js';

/** PUBLISH_HELP is the `runproof-log publish --help` text. */
export const PUBLISH_HELP = `usage: runproof-log publish --db FILE [--key FILE] (--to DIR | --s3 s3://BUCKET/PREFIX [--s3-endpoint URL])

Writes the log's read API (c2sp.org/tlog-tiles: checkpoint, hash tiles, entry bundles) as static
files into DIR or an S3 bucket, comparing every file with what is there and rewriting those that
are missing or differ, the checkpoint last. Run it while the log server is stopped (it takes the
log's writer lock); a running server publishes with --publish-dir / --publish-s3 instead.

  --db FILE          the log's SQLite database
  --key FILE         the log's private key (default: log.key next to the database)
  --to DIR           the directory to publish into (created if missing)
  --s3 URL           the bucket and prefix to publish into (AWS_* variables for credentials)
  --s3-endpoint URL  endpoint of an S3-compatible store (default: AWS)
Exit codes: 0 published, 1 failed while writing, 2 bad usage or configuration.`;

/** publishCommand runs `runproof-log publish`; returns the exit code. */
export async function publishCommand(args: string[], print: (line: string) => void): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { db: { type: 'string' }, key: { type: 'string' }, to: { type: 'string' }, s3: { type: 'string' }, 's3-endpoint': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new ConfigError(e instanceof Error ? e.message : String(e));
  }
  if (values.help === true) {
    print(PUBLISH_HELP);
    return 0;
  }
  if (values.db === undefined) throw new ConfigError('publish: --db FILE is required');
  if ((values.to === undefined) === (values.s3 === undefined)) throw new ConfigError('publish: give exactly one of --to DIR and --s3 URL');
  if (!existsSync(values.db)) throw new ConfigError(`publish: database ${values.db} does not exist`);
  if (values['s3-endpoint'] !== undefined) parseEndpoint(values['s3-endpoint']);
  const targets = makeTargets({ dir: values.to, s3: values.s3 === undefined ? undefined : parseS3Url(values.s3), s3Endpoint: values['s3-endpoint'] });
  const signer = readKeyFile(values.key ?? join(dirname(values.db), 'log.key'));
  await openTargets(targets);
  let log: Log;
  try {
    log = await Log.open({ backend: sqliteBackend(values.db, { blobCopy: false }), origin: signer.name, signer });
  } catch (e) {
    targets[0]!.close();
    throw e;
  }
  try {
    const about = { origin: signer.name, vkey: verifierKey(signer), witnesses: [] };
    const publisher = await Publisher.start(log, targets[0]!, { full: true, extraFiles: explorerFiles(about) });
    const stop = { done: false };
    const failed = await Promise.race([publisher.caughtUp().then(() => undefined), failure(publisher, stop)]);
    stop.done = true;
    await publisher.close(0);
    if (failed !== undefined) {
      process.stderr.write(`runproof-log: publish: ${failed}\n`);
      return 1;
    }
    const s = publisher.status();
    print(`published: ${s.target}`);
    print(`tree size: ${s.size}`);
    print(`files written: ${s.written}`);
    return 0;
  } finally {
    await log.close();
  }
}

/** failure resolves with the first fault (a one-shot export does not wait for a target to recover). */
async function failure(p: Publisher, stop: { done: boolean }): Promise<string | undefined> {
  while (!stop.done) {
    await new Promise((r) => setTimeout(r, 50));
    const e = p.status().error;
    if (e !== undefined) return e;
  }
  return undefined;
}
