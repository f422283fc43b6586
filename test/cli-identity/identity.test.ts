/**
 * `runproof identity` end to end: spawns the built CLI (`npx tsc -p tsconfig.json` first) and
 * checks the public identities, the exact canonical bytes, and exit 2 with path and rule on bad input.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/verifier/cli.js');
const VECTORS = join(ROOT, 'test/vectors/declarations');
const EX1 = join(VECTORS, 'example-1-request.json');
const EX2 = join(VECTORS, 'example-2-declaration.json');
const ID1 = 'sha256:ffc000e9317bc4f02f0bda0b92737bb77c47af8125f6cdae53a2c3cde4baf982';
const ID2 = 'sha256:3a1ecb8dea4a53a6cd35a9d531bd1ddb9a5180007e5b2a1beb44d880d8a57f84';

let dir: string;
beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/verifier/commands/identity.js'))) throw new Error(`${CLI} is missing: build first with 'npx tsc -p tsconfig.json'`);
  dir = mkdtempSync(join(tmpdir(), 'runproof-identity-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], stdin?: string | Uint8Array) {
  const r = spawnSync(process.execPath, [CLI, 'identity', ...args], { input: stdin, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
}

function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe('runproof identity reproduces the public vectors', () => {
  it('example 2 from a file and from stdin', () => {
    expect(cli([EX2])).toMatchObject({ code: 0, out: ID2 + '\n' });
    expect(cli(['-'], readFileSync(EX2))).toMatchObject({ code: 0, out: ID2 + '\n' });
  });

  it('example 1 mapped from the raw request body', () => {
    expect(cli([EX1, '--from', 'openai-chat', '--provider', 'openai', '--salt', 'none'])).toMatchObject({ code: 0, out: ID1 + '\n' });
  });

  it('--canonical prints the exact bytes with no newline; their SHA-256 is the identity', () => {
    const want = (JSON.parse(readFileSync(join(VECTORS, 'public.json'), 'utf8')) as { vectors: { canonical?: string }[] }).vectors[0]!.canonical!;
    const r = cli([EX1, '--from', 'openai-chat', '--provider', 'openai', '--salt', 'none', '--canonical']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(want);
    const r2 = cli([EX2, '--canonical']);
    expect('sha256:' + createHash('sha256').update(r2.stdout).digest('hex')).toBe(ID2);
  });

  it('--canonical takes any strict JSON value, RFC 8785 style', () => {
    expect(cli(['-', '--canonical'], '{"b": [1.0, -0, 1E30], "a": "\\u00e9"}')).toMatchObject({ code: 0, out: '{"a":"é","b":[1,0,1e+30]}' });
  });

  it('--json gives identity and canonical text', () => {
    const r = cli([EX2, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { identity: string; canonical: string };
    expect(j.identity).toBe(ID2);
    expect('sha256:' + createHash('sha256').update(j.canonical, 'utf8').digest('hex')).toBe(ID2);
  });

  it('--from with headers and a random salt gives a valid, fresh declaration', () => {
    const args = [EX1, '--from', 'anthropic', '--provider', 'anthropic', '--header', 'Anthropic-Version: 2023-06-01', '--header', 'anthropic-beta: b1, b2', '--json'];
    const a = JSON.parse(cli(args).out) as { identity: string; canonical: string };
    const b = JSON.parse(cli(args).out) as { identity: string; canonical: string };
    expect(a.identity).not.toBe(b.identity);
    const decl = JSON.parse(a.canonical) as { salt: string; api_version: string; parameters: { betas: string[] } };
    expect(decl.salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(decl.api_version).toBe('2023-06-01');
    expect(decl.parameters.betas).toEqual(['b1', 'b2']);
    // The printed declaration is itself a valid declaration with that identity.
    expect(cli([file('mapped.json', a.canonical)]).out).toBe(a.identity + '\n');
  });

  it('--help exits 0', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--canonical');
  });
});

describe('runproof identity rejects bad input with exit 2, the code, the path and the rule', () => {
  // Half with --canonical, which skips the schema but not the strict parse.
  it.each([
    ['duplicate name', '{"schema":"run-declaration/v1","schema":"x"}', 'JSON_DUPLICATE_KEY', '$.schema', []],
    ['unsafe integer', '{"parameters":{"seed":9007199254740993}}', 'JSON_UNSAFE_INTEGER', '$.parameters.seed', ['--canonical']],
    ['overflow', '{"a":[1e400]}', 'JSON_NUMBER_OVERFLOW', '$.a[0]', []],
    ['underflow', '{"a":1e-400}', 'JSON_NUMBER_UNDERFLOW', '$.a', ['--canonical']],
    ['escaped lone surrogate', '{"a b":"\\ud800"}', 'JSON_LONE_SURROGATE', '$["a b"]', []],
    ['trailing comma', '{"a":1,}', 'JSON_SYNTAX', '$', ['--canonical']],
    ['too deep', '['.repeat(65) + ']'.repeat(65), 'JSON_TOO_DEEP', '$' + '[0]'.repeat(64), []],
  ])('%s', (_what, text, code, path, extra) => {
    const r = cli(['-', ...extra], text);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(code);
    expect(r.err).toContain(`(at ${path})`);
  });

  it('a BOM and invalid UTF-8', () => {
    const bom = cli(['-'], new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]));
    expect(bom.code).toBe(2);
    expect(bom.err).toContain('JSON_BOM');
    const bad = cli([file('bad.json', new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22])), '--canonical']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('JSON_INVALID_UTF8');
  });

  it('a schema violation names the path and the rule', () => {
    const text = readFileSync(EX2, 'utf8').replace('"provider":"anthropic"', '"provider":"Anthropic"');
    const r = cli(['-'], text);
    expect(r.code).toBe(2);
    expect(r.err).toContain('DECLARATION_INVALID');
    expect(r.err).toContain('must match ^[a-z0-9]+([._-][a-z0-9]+)*$');
    expect(r.err).toContain('(at $.model.provider)');
  });

  it('a raw request without --from is not a declaration', () => {
    const r = cli([EX1]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('DECLARATION_INVALID');
  });

  it('a body that cannot be mapped', () => {
    const r = cli(['-', '--from', 'openai-responses', '--provider', 'openai', '--salt', 'none'], '{"model":1,"previous_response_id":"r"}');
    expect(r.code).toBe(2);
    expect(r.err).toContain('MAPPING_INVALID');
    expect(r.err).toContain('(at $.model)');
  });

  it.each([
    [['a', 'b']],
    [['-', '--bogus']],
    [['-', '--provider', 'x']],
    [['-', '--from', 'gemini', '--provider', 'g']],
    [['-', '--from', 'anthropic', '--provider', 'a', '--header', 'no colon']],
  ])('usage error %j', (args) => {
    expect(cli(args, '{}').code).toBe(2);
  });

  it('a missing file', () => {
    expect(cli([join(dir, 'nope.json')]).code).toBe(2);
  });
});
