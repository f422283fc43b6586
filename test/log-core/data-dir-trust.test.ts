/**
 * Issue #11, finding 9: a key file another user owns (planted before --init) is refused, and a
 * planted `<db>.lock` symlink is never followed. The ownership case needs root to chown.
 */
import { chownSync, existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newSignerKey } from '../../src/note/keys.js';
import { runLogCli } from '../helpers/log-process.js';
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
});
