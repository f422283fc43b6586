/**
 * Roles' refresh scheduling (log-server/log-roles.ts), with a scripted host whose store read
 * finishes when the test says so: the interleavings the failover test can only hit by chance
 * under load. A follower must end on the newest head it was told about, whatever the order in
 * which notifications and store reads overlap, and must retry a store read that failed.
 * (The store itself is exercised for real in test/storage-postgres.)
 */
import { describe, expect, it } from 'vitest';
import { Roles, type RoleHost } from '../../log-server/log-roles.js';
import type { Committed, Sequencer } from '../../log-server/sequencer.js';
import type { Coordination, LogBackend, StoredCheckpoint } from '../../log-server/storage/backend.js';
import type { RightEdge } from '../../log-server/storage/right-edge.js';

/** A follower's world: the stored head (set by the test), reads that wait for `release`. */
function scripted() {
  let stored = 0;
  let published = 0;
  let failNext = 0;
  let notify: ((head: StoredCheckpoint) => void) | undefined;
  const reads: (() => void)[] = [];
  const coordination: Coordination = {
    leading: false,
    leaseChanges: 0,
    start: async () => {},
    forward: () => [],
    drain: () => () => {},
    close: () => {},
  };
  const backend = {
    watch: (grown: (head: StoredCheckpoint) => void) => {
      notify = grown;
      return () => {};
    },
  } as unknown as LogBackend;
  const seqOf = (size: number) => ({ edge: { size } }) as unknown as Sequencer;
  const host: RoleHost = {
    seq: () => seqOf(published),
    setSeq: (s) => {
      published = s.edge.size;
    },
    // Like a real store read: the size is fixed when the read starts (one snapshot).
    restore: async () => {
      const size = stored;
      const fail = failNext > 0;
      if (fail) failNext--;
      await new Promise<void>((r) => reads.push(r));
      if (fail) throw new Error('connection terminated');
      return { edge: { size } as RightEdge, latest: {} as Committed };
    },
    makeSeq: (edge) => seqOf(edge.size),
    entryAt: () => new Uint8Array(41),
  };
  const roles = new Roles(coordination, backend, host);
  return {
    roles,
    published: () => published,
    pendingReads: () => reads.length,
    grow(size: number) {
      stored = size;
      notify!({ size, note: `head ${size}` });
    },
    failNextRead() {
      failNext++;
    },
    /** Lets the oldest waiting store read finish. */
    async release() {
      reads.shift()!();
      await settle();
    },
  };
}

const settle = () => new Promise<void>((r) => setTimeout(r, 0));

async function releaseAll(w: ReturnType<typeof scripted>, untilMs = 5000): Promise<void> {
  for (const end = Date.now() + untilMs; Date.now() < end; ) {
    if (w.pendingReads() > 0) await w.release();
    else await new Promise<void>((r) => setTimeout(r, 20));
    if (w.pendingReads() === 0) await new Promise<void>((r) => setTimeout(r, 150));
    if (w.pendingReads() === 0) return;
  }
}

describe('Roles: a follower ends on the newest head', () => {
  it('a head announced while a store read runs is read again after it (no lost wakeup)', async () => {
    const w = scripted();
    await w.roles.start();
    w.grow(10); // read 1 starts, sees 10
    w.grow(20); // announced during read 1: must not be merged into it
    await w.release();
    expect(w.published()).toBe(10);
    await releaseAll(w);
    expect(w.published()).toBe(20);
    w.roles.close();
  });

  it('many heads during one read cost one more read, not one each', async () => {
    const w = scripted();
    await w.roles.start();
    w.grow(1);
    for (let s = 2; s <= 50; s++) w.grow(s);
    await w.release();
    expect(w.pendingReads()).toBe(1);
    await w.release();
    expect(w.pendingReads()).toBe(0);
    expect(w.published()).toBe(50);
    w.roles.close();
  });

  it('a failed store read is retried without a new notification', async () => {
    const w = scripted();
    await w.roles.start();
    w.failNextRead();
    w.grow(7);
    await w.release(); // fails
    expect(w.published()).toBe(0);
    await releaseAll(w); // the retry (after its back-off) reads 7
    expect(w.published()).toBe(7);
    w.roles.close();
  });

  it('never moves back', async () => {
    const w = scripted();
    await w.roles.start();
    w.grow(30);
    await releaseAll(w);
    expect(w.published()).toBe(30);
    w.grow(12); // a stale notification (the store cannot shrink; the read says 12 here)
    await releaseAll(w);
    expect(w.published()).toBe(30);
    w.roles.close();
  });
});
