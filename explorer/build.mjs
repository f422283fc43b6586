/**
 * Builds the explorer into dist/explorer/: index.html, explorer.js (one minified ES module, the
 * pure core and the verifier library bundled in) and explorer.css. Run after `tsc` by the
 * `build`, `prepare` and `test` scripts; it typechecks the page with explorer/tsconfig.json
 * (browser libraries only, no Node types) first. Prints the sizes (raw and gzip).
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const out = join(root, 'dist', 'explorer');

execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'main.ts')],
  outfile: join(out, 'explorer.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
await build({ entryPoints: [join(here, 'style.css')], outfile: join(out, 'explorer.css'), bundle: true, minify: true, logLevel: 'warning' });
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));

if (!process.argv.includes('--quiet')) {
  for (const name of ['index.html', 'explorer.js', 'explorer.css']) {
    const bytes = readFileSync(join(out, name));
    process.stdout.write(`dist/explorer/${name}: ${bytes.length} bytes, ${gzipSync(bytes).length} gzip\n`);
  }
}
