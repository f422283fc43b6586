/**
 * `runproof keygen`, spawned from dist/ (build first: `npx tsc -p tsconfig.json`).
 */
import { describe, expect, test, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSignerKey, parseVerifierKey, SIG_COSIGNATURE_V1, SIG_ED25519, verifierKey } from '../../src/note/keys.js';
import { openNote, signNote } from '../../src/note/note.js';
import { cosignCheckpoint } from '../../src/note/cosignature.js';
import { formatCheckpoint } from '../../src/note/checkpoint.js';
import { formatNote } from '../../src/note/note.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(root, 'dist/verifier/cli.js');
let dir: string;
/** Public keys printed by the runs, to check that each run draws a fresh key. */
const printed: string[] = [];

function runproof(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'keygen', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const mode = (p: string) => statSync(p).mode % 0o1000;

beforeAll(() => {
  if (!existsSync(join(root, 'dist/verifier/commands/keygen.js'))) throw new Error(`build first: npx tsc -p tsconfig.json`);
  dir = mkdtempSync(join(tmpdir(), 'runproof-keygen-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runproof keygen', () => {
  test('log key: 0600 file, printed vkey matches and verifies signatures', () => {
    const out = join(dir, 'log.key');
    const r = runproof('--name', 'log.example.com/runs', '--out', out);
    expect(r.code).toBe(0);
    expect(mode(out)).toBe(0o600);
    const skey = readFileSync(out, 'utf8');
    expect(skey.endsWith('\n')).toBe(true);
    const signer = parseSignerKey(skey.trimEnd());
    expect(signer.type).toBe(SIG_ED25519);
    const vkey = r.stdout.trim();
    printed.push(vkey);
    expect(vkey).toBe(verifierKey(signer));
    const v = parseVerifierKey(vkey);
    expect(openNote(signNote('hello\n', [signer]), [v]).text).toBe('hello\n');
    expect(r.stdout).not.toContain('PRIVATE');
  });

  test('--witness gives a type 0x04 key that verifies cosignatures', () => {
    const out = join(dir, 'witness.key');
    const r = runproof('--name', 'witness.example/w1', '--out', out, '--witness', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { name: string; keyId: string; type: string; vkey: string; out: string };
    expect(j.type).toBe('cosignature/v1');
    expect(j.out).toBe(out);
    const v = parseVerifierKey(j.vkey);
    expect(v.type).toBe(SIG_COSIGNATURE_V1);
    expect(j.vkey.split('+')[1]).toBe(j.keyId);
    const signer = parseSignerKey(readFileSync(out, 'utf8').trimEnd());
    expect(signer.type).toBe(SIG_COSIGNATURE_V1);
    const text = formatCheckpoint({ origin: 'log.example', size: 1, root: new Uint8Array(32), extensions: [] });
    const note = formatNote(text, [cosignCheckpoint(text, 1700000000, signer)]);
    expect(openNote(note, [v]).verified.length).toBe(1);
  });

  test('refuses to overwrite; --force replaces with a fresh 0600 file', () => {
    const out = join(dir, 'exists.key');
    writeFileSync(out, 'precious\n');
    chmodSync(out, 0o644);
    const r = runproof('--name', 'x.example', '--out', out);
    expect(r.code).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe('precious\n');
    const f = runproof('--name', 'x.example', '--out', out, '--force');
    expect(f.code).toBe(0);
    expect(mode(out)).toBe(0o600);
    expect(parseVerifierKey(f.stdout.trim()).keyId).toBe(parseSignerKey(readFileSync(out, 'utf8').trimEnd()).keyId);
    printed.push(f.stdout.trim());
  });

  test('each run draws a fresh key', () => {
    const keys = printed.map((v) => Buffer.from(parseVerifierKey(v).publicKey).toString('hex'));
    expect(keys.length).toBe(2);
    expect(new Set(keys).size).toBe(2);
  });

  test('bad usage exits 2 and writes nothing', () => {
    expect(runproof('--out', join(dir, 'n.key')).code).toBe(2);
    expect(runproof('--name', 'a+b', '--out', join(dir, 'bad.key')).code).toBe(2);
    expect(existsSync(join(dir, 'bad.key'))).toBe(false);
    expect(runproof('--name', 'x', '--out', join(dir, 'u.key'), '--bogus').code).toBe(2);
    expect(existsSync(join(dir, 'n.key')) || existsSync(join(dir, 'u.key'))).toBe(false);
  });

  test('--help', () => {
    const r = runproof('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--witness');
  });
});
