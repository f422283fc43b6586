/**
 * directoryStore on a real temporary directory: portable file names, both files written whole,
 * no temporary files left behind, a declaration that does not hash to the identity refused, and
 * a malformed identity never turned into a path.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directoryStore, isRunproofError, storeFileName } from '../../client/index.js';
import { identityOfValue } from '../../src/declaration/identity.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runproof-client-store-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const { identity, canonical } = identityOfValue({ schema: 'run-declaration/v1', note: 'any plain JSON hashes the same way' });

async function code(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  return isRunproofError(e) ? e.code : `not a RunproofError: ${String(e)}`;
}

describe('directoryStore', () => {
  it('writes sha256-<hex>.json and .tlog-proof into a directory it creates', async () => {
    const sub = join(dir, 'a', 'b');
    await directoryStore(sub).put(identity, canonical, 'receipt one\n');
    const name = `sha256-${identity.slice(7)}`;
    expect(storeFileName(identity)).toBe(name);
    expect(readdirSync(sub).sort()).toEqual([`${name}.json`, `${name}.tlog-proof`]);
    expect(new Uint8Array(readFileSync(join(sub, `${name}.json`)))).toEqual(canonical);
    expect(readFileSync(join(sub, `${name}.tlog-proof`), 'utf8')).toBe('receipt one\n');

    // Storing again (a duplicate submission) replaces the receipt whole.
    await directoryStore(sub).put(identity, canonical, 'receipt two\n');
    expect(readFileSync(join(sub, `${name}.tlog-proof`), 'utf8')).toBe('receipt two\n');
    expect(readdirSync(sub)).toHaveLength(2);
  });

  it('refuses declaration bytes that do not hash to the identity, writing nothing', async () => {
    const other = new TextEncoder().encode('{"schema":"run-declaration/v1"}');
    expect(await code(directoryStore(dir).put(identity, other, 'r'))).toBe('ENTRY_MISMATCH');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never builds a path from a malformed identity', async () => {
    for (const bad of ['../../etc/passwd', `sha256:${'A'.repeat(64)}`, `sha256:${'0'.repeat(63)}`, `sha256:${'0'.repeat(64)}/x`, 'sha512:00']) {
      expect(await code(directoryStore(dir).put(bad, canonical, 'r'))).toBe('IDENTITY_MALFORMED');
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});
