// The conformance vectors (conformance/README.md) are exactly what the reference implementation
// produces now: building them runs every vector through src/ (and checks each refusal against the
// code written down from docs/specification.md), and the result must equal the files on disk.
// Then the second implementation (conformance/python/, written from the specification alone) must
// agree with every vector it covers.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAll } from '../../conformance/build.js';
import { REPO_ROOT } from '../helpers/log-process.js';

const VECTORS = join(REPO_ROOT, 'conformance', 'vectors');

describe('conformance vectors', () => {
  const built = buildAll();
  it.each(Object.keys(built))('%s matches the reference implementation (regenerate with: node dist/conformance/generate.js)', (file) => {
    const stored: unknown = JSON.parse(readFileSync(join(VECTORS, file), 'utf8'));
    expect(stored).toStrictEqual(JSON.parse(JSON.stringify(built[file])));
  });

  it('keep the repository small (a few MB at most)', () => {
    let total = 0;
    for (const file of Object.keys(built)) total += readFileSync(join(VECTORS, file)).length;
    expect(total).toBeLessThan(2_000_000);
  });
});

// Debian's python3 has the `cryptography` package (.ci/run installs it); the pyenv one on PATH may not.
const PYTHON = '/usr/bin/python3';

describe.skipIf(!existsSync(PYTHON))('the second implementation (Python, from the specification)', () => {
  it('agrees with every identity, Merkle, note and receipt vector', () => {
    const run = spawnSync(PYTHON, [join(REPO_ROOT, 'conformance', 'python', 'verify.py'), VECTORS, join(REPO_ROOT, 'docs', 'declaration-v1.schema.json')], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(run.stderr).toBe('');
    const summary = JSON.parse(run.stdout) as { total: number; failed: number; failures: unknown[]; checked: Record<string, number> };
    expect(summary.failures).toStrictEqual([]);
    expect(run.status).toBe(0);
    // Every group ran (a vector file the runner silently skipped would make this pass vacuously).
    for (const group of ['identity', 'identity_texts', 'entries', 'roots', 'inclusion', 'consistency', 'vkeys', 'notes', 'checkpoints', 'cosignatures', 'policies', 'receipts']) {
      expect(summary.checked[group], group).toBeGreaterThan(0);
    }
    expect(summary.total).toBeGreaterThan(800);
  }, 300_000);
});
