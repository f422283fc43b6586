/**
 * Several `runproof-log serve` processes on one PostgreSQL under concurrent load, and the faults
 * of a real deployment: the sequencer SIGKILLed, SIGSTOPped for longer than its lease and then
 * resumed, its database connections killed (pg_terminate_backend), PostgreSQL restarted. After
 * each, checkLog (./cluster.ts): nothing acknowledged is lost, receipts verify, the audit
 * passes, no handed-out checkpoint forks. Failover times are printed (not asserted: the machine
 * is shared). The last test removes the fence and shows the fork it prevents.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { checkLog, Cluster, Load, sleep, TEST_LEASE_MS } from './cluster.js';

/** How long an instance may take to publish the final head once the load has stopped. */
const CATCH_UP_MS = 3000;

describe('several instances on one PostgreSQL: failover without loss or fork', () => {
  let pg: TestPostgres;
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });
  afterAll(async () => {
    await pg?.stop();
  });

  const fresh = async (n: number, env: Record<string, string> = {}) => {
    cluster = new Cluster(pg, await pg.createDatabase(), env);
    for (let i = 0; i < n; i++) await cluster.start();
    return cluster;
  };

  const expectClean = async (c: Cluster, load: Load, label: string) => {
    // Judged through the sequencing instance: its published tree is what PostgreSQL committed.
    const via = await c.leader();
    const check = await checkLog(via, c.vkey, load.acks);
    console.log(`${label}: ${JSON.stringify({ ...check, failures: load.failures })}`);
    expect(check.acked).toBeGreaterThan(0);
    expect(check.audit.code, check.audit.reason).toBe(0);
    expect(check.lost).toBe(0);
    expect(check.forks).toBe(0);
    expect(check.badReceipts).toBe(0);
    await expectAllCaughtUp(c, check.size);
    return check;
  };

  /**
   * With the load stopped, every instance — followers and a resumed, fenced old sequencer — must
   * publish the final head within a few seconds. A refresh that coalesced a head notification
   * into a store read that predated it once left a follower a few entries behind for good.
   */
  const expectAllCaughtUp = async (c: Cluster, size: number) => {
    const deadline = Date.now() + CATCH_UP_MS;
    for (const p of c.live()) {
      let seen = -1;
      while (Date.now() < deadline) {
        const res = await fetch(`${p.url}/checkpoint`).catch(() => undefined);
        if (res?.ok) seen = Number((await res.text()).split('\n')[1]);
        if (seen >= size) break;
        await sleep(100);
      }
      expect(seen, `${p.url} publishes the final head ${size} within ${CATCH_UP_MS} ms`).toBe(size);
    }
  };

  it('SIGKILL of the sequencer: another instance takes over, submissions on the others complete', async () => {
    const c = await fresh(2);
    const load = new Load(() => c.live());
    await sleep(1500);
    const leader = await c.leader();
    const killed = Date.now();
    await leader.kill();
    const next = await c.leader(15_000, leader);
    const failoverMs = Date.now() - killed;
    const before = load.acks.length;
    await sleep(2000);
    await load.stop();
    console.log(`SIGKILL failover: lease moved in ${failoverMs} ms (lease ${TEST_LEASE_MS} ms)`);
    expect(next).not.toBe(leader);
    expect(load.acks.length).toBeGreaterThan(before); // the survivor goes on logging
    await expectClean(c, load, 'SIGKILL');
  });

  it('SIGSTOP of the sequencer for longer than its lease, then SIGCONT: fenced, it rejoins as a follower', async () => {
    const c = await fresh(3);
    let paused: (typeof c.instances)[number] | undefined;
    const load = new Load(() => c.live().filter((p) => p !== paused));
    await sleep(1500);
    const leader = await c.leader();
    const stopped = Date.now();
    leader.child.kill('SIGSTOP');
    paused = leader;
    await c.leader(15_000, leader);
    const failoverMs = Date.now() - stopped;
    await sleep(TEST_LEASE_MS);
    leader.child.kill('SIGCONT');
    paused = undefined;
    await sleep(2500);
    await load.stop();
    console.log(`SIGSTOP failover: lease moved in ${failoverMs} ms (lease ${TEST_LEASE_MS} ms)`);
    await expectClean(c, load, 'SIGSTOP'); // includes the resumed instance catching up
  });

  it('pg_terminate_backend of every connection, then a PostgreSQL restart: the log goes on', async () => {
    const c = await fresh(2);
    const load = new Load(() => c.live());
    await sleep(1500);
    const killed = await pg.terminateBackends();
    expect(killed).toBeGreaterThan(0);
    await sleep(2500);
    const mid = load.acks.length;
    await pg.restart();
    // The log must take entries again: waited for (up to 20 s), not assumed after a fixed 4 s,
    // which a busy machine outlasted once (reconnecting and the lease take longer there).
    for (let waited = 0; waited < 20_000 && load.acks.length <= mid; waited += 100) await sleep(100);
    await sleep(1000);
    await load.stop();
    expect(load.acks.length).toBeGreaterThan(mid);
    await expectClean(c, load, 'terminate+restart');
  });

  /**
   * The paused old sequencer wakes up with a 50-entry batch built on its stale tree, after the
   * new one appended a single entry. Both runs trust the lease locally (no local expiry check),
   * so the database fence is all that stands between them and a fork: with it, nothing is lost;
   * without it (RUNPROOF_TEST_FENCE=none), the log forks. staleBatch runs it once on a fresh
   * cluster and judges the log it leaves.
   */
  const staleBatch = async (fence: 'db' | 'none') => {
    const c = await fresh(2, { RUNPROOF_TEST_FENCE: fence });
    let old: (typeof c.instances)[number] | undefined;
    const load = new Load(() => c.live().filter((p) => p !== old), 2);
    await sleep(1000);
    old = await c.leader();
    old.child.kill('SIGSTOP');
    const stale = fetch(`${old.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: Array.from({ length: 50 }, (_, i) => ({ identity: `sha256:${(i + 1).toString(16).padStart(64, '0')}` })) }),
    });
    await c.leader(15_000, old);
    await load.stop(); // the new sequencer has appended at least one entry by now
    const newer = new Load(() => c.live().filter((p) => p !== old), 1, 'after');
    await sleep(300);
    await newer.stop();
    old.child.kill('SIGCONT');
    const res = await stale;
    const body = (await res.json()) as { results: { identity: string; index: number; receipt: string }[] };
    const acks = [...load.acks, ...newer.acks];
    if (res.status === 200) for (const r of body.results) if (r.receipt !== undefined) acks.push({ identity: r.identity, index: r.index, receipt: r.receipt, instance: old.url });
    await sleep(1000);
    const via = c.live().find((p) => p !== old)!;
    const check = await checkLog(via, c.vkey, acks);
    console.log(`fence ${fence}: ${JSON.stringify(check)}`);
    await cluster?.stop();
    cluster = undefined;
    return { check, status: res.status, staleReceipts: acks.length - load.acks.length - newer.acks.length };
  };

  it('a resumed old sequencer with a stale batch, fence on', async () => {
    const { check, status, staleReceipts } = await staleBatch('db');
    expect(check.audit.code, check.audit.reason).toBe(0);
    expect([check.lost, check.forks, check.badReceipts]).toEqual([0, 0, 0]);
    // Liveness, not safety: the stale batch's 50 submitters are usually answered (forwarded
    // to the new sequencer); on a loaded machine some may get 503 instead — never a receipt
    // for an entry the log does not hold, which the line above checks.
    console.log(`fence db: stale batch answered ${status}, ${staleReceipts} of 50 with receipts`);
  });

  // What the fence prevents: without it the log forks when the stale batch commits after the
  // new sequencer's entry. Whether it does depends on a race (on a quiet machine the resumed
  // instance often learns of the new head first, on the code before 2026-12-03 too: one run in
  // two), so the scenario is tried up to three times; one fork shows what the fence is for.
  it('a resumed old sequencer with a stale batch, fence REMOVED', async () => {
    let harm = 0;
    for (let attempt = 0; attempt < 3 && harm === 0; attempt++) {
      const { check } = await staleBatch('none');
      harm = check.lost + check.forks;
    }
    expect(harm).toBeGreaterThan(0);
  }, 180_000);
});
