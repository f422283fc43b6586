/**
 * Writes the conformance vectors (conformance/README.md) from the reference implementation:
 *
 *     npx tsc -p tsconfig.json && node dist/conformance/generate.js
 *
 * The output is deterministic (fixed keys, times and declarations), so running it again changes
 * nothing unless the implementation's behaviour changed — which `npm test` then reports.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll } from './build.js';

const here = dirname(fileURLToPath(import.meta.url));
// Compiled to dist/conformance/; the vectors live in the source tree.
const out = join(here, '..', '..', 'conformance', 'vectors');
for (const [file, content] of Object.entries(buildAll())) {
  writeFileSync(join(out, file), JSON.stringify(content, null, 1) + '\n');
  process.stdout.write(`wrote conformance/vectors/${file}\n`);
}
