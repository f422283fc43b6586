/**
 * Issue #11, finding 10: a first start that dies between creating the key and creating the
 * database leaves neither under its real name, and the next plain start completes it with the
 * same key (instead of refusing: "key exists but database does not, pass --init"). The failure
 * is made deterministic by a database directory that does not exist on the first try. Needs the build.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runLogCli, startLogProcess } from '../helpers/log-process.js';
import { tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('first start', () => {
  it('a first start that fails after making the key leaves no key at its real name; the next start finishes with that key', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    // The database goes in a directory that does not exist yet: creating it fails after the key was made.
    const args = ['--db', join(t.dir, 'sub', 'log.db')];
    const first = await runLogCli(['serve', '--data', t.dir, '--listen', '127.0.0.1:0', ...args]);
    expect(first.code, first.stderr).not.toBe(0);
    expect(existsSync(join(t.dir, 'log.key'))).toBe(false);
    expect(readdirSync(t.dir)).toContain('log.key.init');
    mkdirSync(join(t.dir, 'sub'));
    // The next plain start (no --init) completes the first start, with the key made then.
    const log = await startLogProcess({ dataDir: t.dir, args });
    try {
      expect(existsSync(join(t.dir, 'log.key'))).toBe(true);
      expect(existsSync(join(t.dir, 'log.key.init'))).toBe(false);
      expect(log.stdout()).toMatch(/^created key /m);
    } finally {
      await log.stop();
    }
    // And it is an ordinary log from then on.
    const again = await startLogProcess({ dataDir: t.dir, args });
    expect(again.vkey).toBe(log.vkey);
    await again.stop();
  });
});
