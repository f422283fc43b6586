/**
 * Issue #11, finding 11: one redirect policy for audit, consistency and monitor — a log's
 * redirect (here to another host) is not followed; the command says so and exits 3.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtureLog } from '../helpers/fixture-log.js';
import { runproof } from '../helpers/runproof-cli.js';

const fixture = buildFixtureLog({ size: 10 });
let real: { url: string; close(): Promise<void> };
let redirector: Server;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'runproof-redirect-'));

beforeAll(async () => {
  real = await fixture.listen();
  // Every path answers 302 to the same path on another host (the real log, at "localhost").
  redirector = createServer((req, res) => {
    res.writeHead(302, { location: real.url.replace('127.0.0.1', 'localhost') + (req.url ?? '/') });
    res.end();
  });
  await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`;
  writeFileSync(join(dir, 'old'), fixture.checkpoint);
});

afterAll(async () => {
  await real.close();
  redirector.closeAllConnections();
  await new Promise((r) => redirector.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('redirects', () => {
  it('audit, consistency and monitor all refuse to follow them (exit 3)', async () => {
    const audit = await runproof(['audit', '--log', url, '--vkey', fixture.vkey]);
    const consistency = await runproof(['consistency', '--log', url, '--vkey', fixture.vkey, '--old', join(dir, 'old')]);
    const monitor = await runproof(['monitor', '--once', '--log', url, '--vkey', fixture.vkey, '--state', join(dir, 'm.db')]);
    for (const r of [audit, consistency, monitor]) expect(r.code, r.stderr + r.stdout).toBe(3);
    expect(consistency.stderr + monitor.stdout + monitor.stderr).toMatch(/redirects are not followed/);
  });
});
