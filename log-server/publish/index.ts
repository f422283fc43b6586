/**
 * Static publication of the read API (`--publish-dir`, `--publish-s3`): the publishers a log
 * server runs, and their metrics. See ./publisher.ts for the core and docs/log-server.md
 * "Static publication" for operation.
 */
import { Gauge, type Registry } from 'prom-client';
import type { S3Location } from '../config.js';
import { DirectoryTarget } from './directory.js';
import type { ExtraFile, PublishSource } from './files.js';
import { Publisher, type PublishStatus } from './publisher.js';
import { S3Target } from './s3.js';
import type { PublishTarget } from './target.js';

export type { ExtraFile, PublishSource } from './files.js';
export { Publisher, type PublishStatus } from './publisher.js';

/** The targets a configuration names. */
export interface PublishTargets {
  dir?: string | undefined;
  s3?: S3Location | undefined;
  s3Endpoint?: string | undefined;
}

/** makeTargets builds the configured targets (none if nothing is configured). */
export function makeTargets(t: PublishTargets): PublishTarget[] {
  const out: PublishTarget[] = [];
  if (t.dir !== undefined) out.push(new DirectoryTarget(t.dir));
  if (t.s3 !== undefined) out.push(new S3Target(t.s3, t.s3Endpoint));
  return out;
}

/**
 * openTargets checks every target is usable, before the log opens: a bad `--publish-dir` stops
 * the start-up before anything is created.
 * @throws ConfigError naming the unusable target (all targets are closed then)
 */
export async function openTargets(targets: PublishTarget[]): Promise<void> {
  try {
    for (const t of targets) await t.open();
  } catch (e) {
    for (const t of targets) t.close();
    throw e;
  }
}

/**
 * startPublishers starts publishing to every opened target.
 * @throws ConfigError if a target holds another log's checkpoint (the ones already started are closed)
 */
export async function startPublishers(source: PublishSource, targets: PublishTarget[], extraFiles: readonly ExtraFile[] = []): Promise<Publisher[]> {
  const started: Publisher[] = [];
  try {
    for (const t of targets) started.push(await Publisher.start(source, t, { extraFiles }));
  } catch (e) {
    await Promise.all(started.map((p) => p.close(0)));
    for (const t of targets.slice(started.length)) t.close();
    throw e;
  }
  return started;
}

/** registerPublishMetrics adds the publication gauges to `registry`, read from `status` at scrape time. */
export function registerPublishMetrics(registry: Registry, status: () => PublishStatus[]): void {
  const registers = [registry];
  new Gauge({
    name: 'runproof_publish_tree_size',
    help: 'Tree size of the checkpoint last published to each static target (-1: none yet).',
    labelNames: ['target'],
    registers,
    collect() {
      for (const s of status()) this.set({ target: s.target }, s.size);
    },
  });
  new Gauge({
    name: 'runproof_publish_fault',
    help: '1 while publishing to the target fails (it is retried), else 0.',
    labelNames: ['target'],
    registers,
    collect() {
      for (const s of status()) this.set({ target: s.target }, s.error === undefined ? 0 : 1);
    },
  });
  new Gauge({
    name: 'runproof_publish_failures',
    help: 'Failed publication attempts since start (a counter read from the publisher).',
    labelNames: ['target'],
    registers,
    collect() {
      for (const s of status()) this.set({ target: s.target }, s.failures);
    },
  });
}
