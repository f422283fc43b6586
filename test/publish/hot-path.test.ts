/**
 * Publication is off the receipt path: with the publisher stuck inside a write (a target that
 * does not answer), every submission still resolves with its receipt data, the published
 * checkpoint stays behind, and once the target answers again one step brings the mirror to the
 * log's size. In-process: the real log core (SQLite) and the real directory target.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectoryTarget } from '../../log-server/publish/directory.js';
import { Publisher } from '../../log-server/publish/publisher.js';
import { identity, openLog, tempDir } from '../log-core/helpers.js';

describe('publication never delays a receipt', () => {
  it('a stuck target holds back only the mirror', async () => {
    const t = tempDir();
    let publisher: Publisher | undefined;
    const log = await openLog(t.db, { onCheckpoint: () => publisher?.onCheckpoint() });
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    let held = false;
    const target = new DirectoryTarget(join(t.dir, 'mirror'));
    await target.open();
    publisher = await Publisher.start(log, target, {
      log: () => undefined,
      // The first file of the first step with entries hangs until released.
      beforeWrite: (path) => (path.startsWith('tile/') && !held ? ((held = true), stuck) : undefined),
    });
    try {
      await log.submit(identity(0, 'hot'));
      for (let round = 0; round < 5; round++) {
        const got = await log.submitMany(Array.from({ length: 100 }, (_, i) => identity(1 + round * 100 + i, 'hot')));
        expect(got.map((s) => s.index)).toEqual(Array.from({ length: 100 }, (_, i) => 1 + round * 100 + i));
      }
      expect(log.size).toBe(501);
      expect(held).toBe(true);
      expect(publisher.status().size).toBeLessThan(501);
      release();
      await publisher.caughtUp();
      expect(publisher.status().size).toBe(501);
      expect(readFileSync(join(t.dir, 'mirror', 'checkpoint'), 'utf8')).toBe(log.latest().signed);
    } finally {
      release();
      await publisher.close();
      await log.close();
      await t.cleanup();
    }
  });
});
