/**
 * Checks on a publication directory: every file in it holds exactly what the live log serves at
 * the same path, and its checkpoint is one the log signed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

/** listFiles returns every file under `dir` as a relative path, without the temporary directory. */
export function listFiles(dir: string, sub = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, sub))) {
    const rel = sub === '' ? name : `${sub}/${name}`;
    if (rel === '.runproof-tmp') continue;
    if (statSync(join(dir, rel)).isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

/** mirrorSize reads the size line of the directory's checkpoint (-1 if there is none). */
export function mirrorSize(dir: string): number {
  try {
    return Number(readFileSync(join(dir, 'checkpoint'), 'utf8').split('\n')[1]);
  } catch {
    return -1;
  }
}

/**
 * expectSameAsLog asserts that each tile, bundle and explorer file in `dir` equals the log's answer for its path
 * and that the checkpoint is no larger than the log (the audit of the mirror checks its root).
 * Returns how many files were compared.
 */
export async function expectSameAsLog(dir: string, logUrl: string): Promise<number> {
  const files = listFiles(dir);
  for (const path of files) {
    const mine = readFileSync(join(dir, path));
    if (path === 'checkpoint') {
      const logSize = Number((await (await fetch(`${logUrl}/checkpoint`)).text()).split('\n')[1]);
      expect(mirrorSize(dir)).toBeLessThanOrEqual(logSize);
      continue;
    }
    // Besides tiles and bundles, the mirror holds the explorer's files and v1/log (docs/explorer.md).
    expect(path.startsWith('tile/') || ['index.html', 'explorer.js', 'explorer.css', 'v1/log'].includes(path), path).toBe(true);
    const res = await fetch(`${logUrl}/${path}`, { headers: { 'Accept-Encoding': 'identity' } });
    expect(res.status, path).toBe(200);
    expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), mine), `${path} differs from the log's`).toBe(0);
  }
  return files.length;
}
