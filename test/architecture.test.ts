/**
 * The layering is enforced here. The verifier is what a sceptical auditor reads, so nothing but the
 * log server depends on the operator's code; the core stays pure (no I/O) so it runs anywhere; and
 * each part builds only on the layers below it, never on another part's internals:
 *
 *   src/ (pure core) → node-shared/ (Node plumbing) → verifier library → client/, witness/,
 *   monitor/ (through `verifier/index.ts` only) → the `runproof` CLI (`verifier/cli.ts`,
 *   `verifier/commands/`, `verifier/output.ts`, `verifier/exit.ts`);
 *   log-server/ builds on src/ and node-shared/ alone.
 *
 * docs/architecture.md draws the same map.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier a file imports (static, dynamic and re-exports). */
export function importsOf(source: string): string[] {
  const specs: string[] = [];
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"`]([^'"`]+)['"`]|import\s+['"]([^'"]+)['"]/g;
  for (const m of source.matchAll(re)) specs.push((m[1] ?? m[2] ?? m[3])!);
  return specs;
}

function violations(folder: string, forbidden: (spec: string, file: string) => boolean): string[] {
  const bad: string[] = [];
  for (const file of tsFiles(join(root, folder))) {
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (forbidden(spec, file)) bad.push(`${relative(root, file)} imports ${spec}`);
    }
  }
  return bad;
}

const intoLogServer = (spec: string, file: string) =>
  spec.startsWith('.') && relative(root, resolve(dirname(file), spec)).split(/[\\/]/)[0] === 'log-server';

/** The source folders of the product (tests and benchmarks drive them from outside). */
const SOURCE_FOLDERS = ['src', 'node-shared', 'log-server', 'verifier', 'client', 'witness', 'monitor'] as const;

/** The `runproof` CLI: the top layer, which wires the parts into commands. */
function isCli(path: string): boolean {
  return path === 'verifier/cli.ts' || path === 'verifier/output.ts' || path === 'verifier/exit.ts' || path.startsWith('verifier/commands/');
}

/** The layer a repository path (with `/` separators) belongs to. */
function layerOf(path: string): string {
  const top = path.split('/')[0]!;
  if (top === 'verifier') return isCli(path) ? 'cli' : 'verifier';
  return top;
}

/** What each layer may import, besides itself and packages. `verifier/index.ts` is the verifier's public library. */
const ALLOWED: Record<string, (target: string) => boolean> = {
  src: () => false,
  'node-shared': (t) => layerOf(t) === 'src',
  'log-server': (t) => ['src', 'node-shared'].includes(layerOf(t)),
  verifier: (t) => ['src', 'node-shared'].includes(layerOf(t)),
  client: (t) => ['src', 'node-shared'].includes(layerOf(t)) || t === 'verifier/index.ts',
  witness: (t) => ['src', 'node-shared'].includes(layerOf(t)) || t === 'verifier/index.ts',
  monitor: (t) => ['src', 'node-shared'].includes(layerOf(t)) || t === 'verifier/index.ts',
  cli: (t) => layerOf(t) !== 'log-server',
};

/** Every relative import in the source folders that crosses into a layer it may not use. */
function layeringViolations(): string[] {
  const bad: string[] = [];
  for (const folder of SOURCE_FOLDERS) {
    for (const file of tsFiles(join(root, folder))) {
      const from = relative(root, file).split('\\').join('/');
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = relative(root, resolve(dirname(file), spec)).split('\\').join('/').replace(/\.js$/, '.ts');
        if (layerOf(target) === layerOf(from)) continue;
        if (!ALLOWED[layerOf(from)]!(target)) bad.push(`${from} imports ${spec}`);
      }
    }
  }
  return bad;
}

describe('architecture', () => {
  it('the import scanner sees static, dynamic and re-export imports', () => {
    const src = `import a from '../log-server/x.js';\nexport { b } from "./b.js";\nconst c = await import('node:fs');\nimport './side.js';`;
    expect(importsOf(src)).toEqual(['../log-server/x.js', './b.js', 'node:fs', './side.js']);
  });

  it('nothing but log-server/ imports log-server/', () => {
    const bad = SOURCE_FOLDERS.filter((f) => f !== 'log-server').flatMap((f) => violations(f, intoLogServer));
    expect(bad).toEqual([]);
  });

  it('each part imports only the layers below it, and other parts only through verifier/index.ts', () => {
    expect(layeringViolations()).toEqual([]);
  });

  it('the layering check sees a part reaching into another part or up to the CLI', () => {
    expect(ALLOWED.monitor!('witness/http.ts')).toBe(false);
    expect(ALLOWED.monitor!('verifier/log-client.ts')).toBe(false);
    expect(ALLOWED.monitor!('verifier/index.ts')).toBe(true);
    expect(ALLOWED['node-shared']!('verifier/exit.ts')).toBe(false);
    expect(ALLOWED.client!('verifier/output.ts')).toBe(false);
    expect(ALLOWED.verifier!('client/submit.ts')).toBe(false);
    expect(ALLOWED.cli!('log-server/log.ts')).toBe(false);
  });

  it('src/ never imports log-server/, node:*, better-sqlite3 or hono', () => {
    const io = (spec: string) => spec.startsWith('node:') || /^(better-sqlite3|hono|@hono\/)/.test(spec) || ['fs', 'path', 'http', 'crypto', 'os', 'child_process'].includes(spec);
    expect(violations('src', (s, f) => intoLogServer(s, f) || io(s))).toEqual([]);
  });

  it('src/ reads no clock and no randomness', () => {
    const bad: string[] = [];
    for (const file of tsFiles(join(root, 'src'))) {
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      if (/Date\.now\(|new Date\(|Math\.random\(|crypto\.getRandomValues|performance\.now\(/.test(text)) bad.push(relative(root, file));
    }
    expect(bad).toEqual([]);
  });

  it('explorer/ (runs in the browser) imports only itself, src/, the verifier library and the request mapper', () => {
    const allowed = new Set(['verifier/index.ts', 'client/map.ts']);
    const bad = violations('explorer', (spec, file) => {
      if (!spec.startsWith('.')) return true; // no packages (esbuild bundles what src/ uses), no node:*
      const target = relative(root, resolve(dirname(file), spec)).split(/[\\/]/).join('/').replace(/\.js$/, '.ts');
      return !(target.startsWith('explorer/') || target.startsWith('src/') || allowed.has(target));
    });
    expect(bad).toEqual([]);
  });

  it('the core has no import cycles, not even type-only ones', () => {
    const graph = new Map<string, string[]>();
    for (const file of tsFiles(join(root, 'src'))) {
      const targets = importsOf(readFileSync(file, 'utf8'))
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
      graph.set(file, targets);
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(root, f)).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const t of graph.get(file) ?? []) visit(t, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('src/index.ts (runproof/core) re-exports every core module', () => {
    const index = readFileSync(join(root, 'src', 'index.ts'), 'utf8');
    const exported = new Set(importsOf(index).map((spec) => spec.replace(/^\.\//, '').replace(/\.js$/, '.ts')));
    const modules = tsFiles(join(root, 'src'))
      .map((f) => relative(join(root, 'src'), f).split('\\').join('/'))
      // key-types is re-exported by keys.ts; sha256-constants holds the mutable tables of the
      // SHA-256 block function and the audit's WebAssembly, kept out of the library's API on purpose
      .filter((f) => f !== 'index.ts' && f !== 'note/key-types.ts' && f !== 'merkle/sha256-constants.ts');
    expect(modules.filter((m) => !exported.has(m))).toEqual([]);
  });
});
