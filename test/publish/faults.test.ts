/**
 * Faults of the publication directory, with real file systems: a tiny tmpfs that fills up and a
 * tmpfs remounted read-only (root only: `mount`; skipped, and said so, where mounting is not
 * allowed). Submissions keep succeeding, the fault shows in /healthz, /metrics and the log's
 * stderr, and the mirror catches up and audits once the directory is writable again. Bad
 * directories stop the start-up with exit 2 and create nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runLogCli, startLogProcess, type LogProcess } from '../helpers/log-process.js';
import { runproof } from '../helpers/runproof-cli.js';
import { caughtUp, health, submitAll, waitFor } from './helpers.js';
import { mirrorSize } from './mirror.js';
import { startNodeStatic } from '../../bench/lib/static-servers.js';

let root: string;
const mounts: string[] = [];
const running: LogProcess[] = [];

function mount(dir: string, options: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  mounts.push(dir);
}

function remount(dir: string, options: string): void {
  execFileSync('mount', ['-o', `remount,${options}`, dir]);
}

/** canMount tells whether this process may mount a tmpfs (root, and a container that allows it). */
function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), 'runproof-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe]);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const mountable = canMount();

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'runproof-publish-faults-'));
});
afterEach(async () => {
  for (const p of running.splice(0)) {
    await p.kill();
    p.cleanup();
  }
  for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m]);
});
afterAll(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name}\\{[^}]*\\} (-?[0-9.]+)$`, 'm').exec(text);
  return m === null ? NaN : Number(m[1]);
}

/** recovers checks that the mirror catches up with the log, reports no fault, and audits. */
async function recovers(log: LogProcess, dir: string): Promise<void> {
  await caughtUp(log.url, 30_000);
  const h = await health(log.url);
  expect(h.publish[0]).not.toHaveProperty('error');
  expect(mirrorSize(dir)).toBe(h.size);
  expect(await metric(log.url, 'runproof_publish_fault')).toBe(0);
  expect(log.stderr()).toMatch(/publish: recovered/);
  const web = await startNodeStatic(dir);
  try {
    const audit = await runproof(['audit', '--log', web.url, '--vkey', log.vkey, '--json']);
    expect(audit.code, audit.stderr).toBe(0);
    expect(JSON.parse(audit.stdout)).toMatchObject({ size: h.size });
  } finally {
    await web.stop();
  }
}

/** faulted waits until the publisher reports a fault matching `code`, everywhere it should. */
async function faulted(log: LogProcess, code: RegExp): Promise<void> {
  await waitFor('the publication fault', async () => (await health(log.url)).publish[0]!.error !== undefined);
  expect((await health(log.url)).publish[0]!.error).toMatch(code);
  expect(await metric(log.url, 'runproof_publish_fault')).toBe(1);
  expect(await metric(log.url, 'runproof_publish_failures')).toBeGreaterThan(0);
  expect(log.stderr()).toMatch(/publish: cannot publish to dir:.*retrying; the log keeps serving/);
}

describe.skipIf(!mountable)('a publication directory that fills up or turns read-only (tmpfs mounts; root only)', () => {
  it('full (ENOSPC): submissions keep succeeding, the fault is reported, the mirror catches up after growing the file system', async () => {
    const fs = join(root, 'small');
    mount(fs, 'size=96k,mode=0755');
    const dir = join(fs, 'mirror');
    const log = await startLogProcess({ args: ['--publish-dir', dir] });
    running.push(log);
    const answers = await submitAll(log.url, 'full', 400, 8);
    expect(answers.map((a) => a.answer.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    await faulted(log, /ENOSPC/);
    expect(mirrorSize(dir)).toBeLessThan(400);
    remount(fs, 'size=64m');
    await submitAll(log.url, 'full-after', 20);
    await recovers(log, dir);
  });

  it('read-only (EROFS): submissions keep succeeding, the fault is reported, the mirror catches up once writable', async () => {
    const fs = join(root, 'ro');
    mount(fs, 'size=64m,mode=0755');
    const dir = join(fs, 'mirror');
    const log = await startLogProcess({ args: ['--publish-dir', dir] });
    running.push(log);
    await submitAll(log.url, 'ro-before', 50);
    await caughtUp(log.url);
    remount(fs, 'ro');
    await submitAll(log.url, 'ro-during', 100);
    await faulted(log, /EROFS/);
    expect(mirrorSize(dir)).toBe(50);
    remount(fs, 'rw');
    await recovers(log, dir);
  });

  it('read-only at start-up: exit 2 before anything is created', async () => {
    const fs = join(root, 'ro-start');
    mount(fs, 'size=1m,mode=0755');
    mkdirSync(join(fs, 'mirror'));
    remount(fs, 'ro');
    const data = join(root, 'ro-start-data');
    const r = await runLogCli(['serve', '--data', data, '--listen', '127.0.0.1:0', '--publish-dir', join(fs, 'mirror')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--publish-dir .*not writable: EROFS/);
    expect(existsSync(data)).toBe(false);
  });
});

describe('bad publication directories at start-up: exit 2', () => {
  async function refused(publishDir: string, message: RegExp, createsNothing = true): Promise<void> {
    const data = join(root, `data-${Math.random().toString(36).slice(2)}`);
    const r = await runLogCli(['serve', '--data', data, '--listen', '127.0.0.1:0', '--publish-dir', publishDir]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(data)).toBe(!createsNothing);
  }

  it('a regular file', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a directory');
    await refused(file, /--publish-dir .*a-file: not a directory/);
  });

  it('a symlink loop', async () => {
    symlinkSync(join(root, 'loop-b'), join(root, 'loop-a'));
    symlinkSync(join(root, 'loop-a'), join(root, 'loop-b'));
    await refused(join(root, 'loop-a'), /symlink loop/);
  });

  it('a path through a file', async () => {
    writeFileSync(join(root, 'plain'), '');
    await refused(join(root, 'plain', 'mirror'), /--publish-dir .*not a directory/);
  });

  it.skipIf(process.getuid?.() === 0)('a directory without write permission (non-root; root writes anyway — see the read-only mount above)', async () => {
    const dir = join(root, 'no-write');
    mkdirSync(dir, { mode: 0o555 });
    await refused(dir, /not writable/);
  });

  it("a directory holding another log's checkpoint", async () => {
    const other = await startLogProcess({ args: ['--publish-dir', join(root, 'theirs')] });
    running.push(other);
    await submitAll(other.url, 'theirs', 3);
    await caughtUp(other.url);
    // Only the new log can tell the checkpoint is not its own: its fresh key and database stay.
    await refused(join(root, 'theirs'), /holds a checkpoint that is not one of this log's/, false);
  });
});
