/**
 * The trust boundary is enforced here: the verifier is what a sceptical auditor reads, so it must
 * not depend on the operator's code, and the core must stay pure (no I/O) so it runs anywhere.
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

describe('architecture', () => {
  it('the import scanner sees static, dynamic and re-export imports', () => {
    const src = `import a from '../log-server/x.js';\nexport { b } from "./b.js";\nconst c = await import('node:fs');\nimport './side.js';`;
    expect(importsOf(src)).toEqual(['../log-server/x.js', './b.js', 'node:fs', './side.js']);
  });

  it('verifier/ never imports log-server/', () => {
    expect(violations('verifier', intoLogServer)).toEqual([]);
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

  it('src/index.ts (runproof/core) re-exports every core module', () => {
    const index = readFileSync(join(root, 'src', 'index.ts'), 'utf8');
    const exported = new Set(importsOf(index).map((spec) => spec.replace(/^\.\//, '').replace(/\.js$/, '.ts')));
    const modules = tsFiles(join(root, 'src'))
      .map((f) => relative(join(root, 'src'), f).split('\\').join('/'))
      .filter((f) => f !== 'index.ts' && f !== 'note/sigtype.ts'); // sigtype is re-exported by keys.ts
    expect(modules.filter((m) => !exported.has(m))).toEqual([]);
  });
});
