/**
 * Issue #11, finding 9: a key file another user owns (planted before --init) is refused, and a
 * planted `<db>.lock` symlink is never followed, and a data directory others can write to (no
 * sticky bit) or another user owns is refused before anything is created. The ownership cases
 * need root to chown.
 */
import { chmodSync, chownSync, existsSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newSignerKey } from '../../src/note/keys.js';
import { runLogCli, startLogProcess } from '../helpers/log-process.js';
import { tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('data directory trust', () => {
  it.skipIf(process.getuid?.() !== 0)('refuses a 0600 key owned by another user', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const key = join(t.dir, 'log.key');
    writeFileSync(key, newSignerKey('attacker.example/log', new Uint8Array(32).fill(7)) + '\n', { mode: 0o600 });
    chownSync(key, 65534, 65534);
    const r = await runLogCli(['serve', '--data', t.dir, '--init', '--listen', '127.0.0.1:0'], { timeoutMs: 15_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/owned by user 65534/);
    expect(r.stdout).not.toMatch(/verifier key/);
  });

  it('refuses a planted lock-file symlink and leaves its target alone', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const target = join(t.dir, 'victim');
    symlinkSync(target, join(t.dir, 'log.db.lock'));
    const r = await runLogCli(['serve', '--data', t.dir, '--listen', '127.0.0.1:0'], { timeoutMs: 15_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/symbolic link/);
    expect(existsSync(target)).toBe(false);
  });
  it.each([
    ['0777', 0o777, /writable by every user \(mode 0777\).*chmod go-w/],
    ['0770', 0o770, /writable by its group \(mode 0770\).*chmod go-w/],
  ])('refuses a data directory of mode %s and creates nothing in it', async (_name, mode, message) => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    chmodSync(t.dir, mode);
    const r = await runLogCli(['serve', '--data', t.dir, '--init', '--listen', '127.0.0.1:0'], { timeoutMs: 15_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(t.dir);
    expect(r.stderr).toMatch(message);
    expect(readdirSync(t.dir)).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)('refuses a data directory another user owns', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    chownSync(t.dir, 65534, 65534);
    const r = await runLogCli(['serve', '--data', t.dir, '--init', '--listen', '127.0.0.1:0'], { timeoutMs: 15_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/owned by user 65534/);
    expect(readdirSync(t.dir)).toEqual([]);
  });

  it('accepts a world-writable directory with the sticky bit (like /tmp)', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    chmodSync(t.dir, 0o1777);
    const log = await startLogProcess({ dataDir: t.dir });
    cleanups.unshift(() => void log.kill());
    expect(log.stderr()).not.toMatch(/writable by/);
    expect(existsSync(join(t.dir, 'log.key'))).toBe(true);
    await log.stop();
  });
});
