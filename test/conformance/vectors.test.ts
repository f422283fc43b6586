// The conformance vectors (conformance/README.md) are exactly what the reference implementation
// produces now: building them runs every vector through src/ (and checks each refusal against the
// code written down from docs/specification.md), and the result must equal the files on disk.
import { readFileSync } from 'node:fs';
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
