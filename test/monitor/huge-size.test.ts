/**
 * Issue #11, finding 3: every size a log can sign gets a typed verdict. A checkpoint of size
 * 2^53 − 1 (or any size beyond the supported 2^52) is UNSUPPORTED_SIZE — never a raw
 * RangeError — for the monitor (which keeps running and reports it), `audit` and `consistency`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/encoding/base64.js';
import { verifierKey } from '../../src/note/keys.js';
import { signNote } from '../../src/note/note.js';
import { runproof } from '../helpers/runproof-cli.js';
import { MemTree, tempDir, testSigner } from '../witness/helpers.js';
import { GrowingLog } from './growing-log.js';
import { kinds, monitorSlot } from './helpers.js';

const logKey = testSigner('log.example/huge');
const vkey = verifierKey(logKey);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A checkpoint note of `size` signed by the log, written by hand (formatCheckpoint refuses such sizes). */
function hugeCheckpoint(size: bigint): string {
  return signNote(`${logKey.name}\n${size}\n${toBase64(new Uint8Array(32).fill(9))}\n`, [logKey]);
}

describe('checkpoints of sizes beyond 2^52', () => {
  it('size 2^52 (supported by the format, not by memory): audit says UNSUPPORTED_SIZE, not a raw RangeError', async () => {
    const log = new GrowingLog(logKey, new MemTree('huge').append(10));
    await log.listen();
    cleanups.push(() => log.close());
    log.override = hugeCheckpoint(2n ** 52n);
    const audit = await runproof(['audit', '--log', log.url, '--vkey', vkey]);
    expect([audit.code, audit.reason.split(':')[1]]).toEqual([1, ' UNSUPPORTED_SIZE']);
  });

  for (const size of [2n ** 53n - 1n, 2n ** 52n + 1n, 2n ** 64n - 1n]) {
    it(`size ${size}: the monitor reports UNSUPPORTED_SIZE and keeps following; audit and consistency exit 1 with UNSUPPORTED_SIZE`, async () => {
      const tmp = tempDir();
      cleanups.push(() => tmp.cleanup());
      const log = new GrowingLog(logKey, new MemTree('huge').append(10));
      await log.listen();
      cleanups.push(() => log.close());
      const small = log.publish();
      const s = await monitorSlot();
      cleanups.push(() => s.close());
      const m = s.start({ dbFile: join(tmp.dir, 'm.db'), logs: [{ url: log.url, vkey }], evidenceDir: join(tmp.dir, 'ev') });
      expect((await m.monitor.round()).exitCode).toBe(0);
      log.override = hugeCheckpoint(size);
      for (let i = 0; i < 2; i++) {
        const r = await m.monitor.round();
        expect(kinds(r.events)).toEqual(['bad-log']);
        expect(JSON.stringify(r.events)).toContain('UNSUPPORTED_SIZE');
        expect(r.exitCode).toBe(1);
      }
      expect(m.monitor.status()[0]).toMatchObject({ trusted: true, size: 10 });

      const dir = mkdtempSync(join(tmpdir(), 'runproof-huge-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      writeFileSync(join(dir, 'old'), small);
      writeFileSync(join(dir, 'huge'), log.current);
      const audit = await runproof(['audit', '--log', log.url, '--vkey', vkey]);
      expect([audit.code, audit.reason.split(':')[1]]).toEqual([1, ' UNSUPPORTED_SIZE']);
      const online = await runproof(['consistency', '--log', log.url, '--vkey', vkey, '--old', join(dir, 'old')]);
      expect([online.code, online.reason.split(':')[1]]).toEqual([1, ' UNSUPPORTED_SIZE']);
      writeFileSync(join(dir, 'proof'), '');
      const offline = await runproof(['consistency', '--proof', join(dir, 'proof'), '--vkey', vkey, '--old', join(dir, 'old'), '--new', join(dir, 'huge')]);
      expect([offline.code, offline.reason.split(':')[1]]).toEqual([1, ' UNSUPPORTED_SIZE']);
    });
  }
});
