/**
 * The monitor over real loopback HTTP and real SQLite files: an honest log over many rounds
 * raises nothing; a log showing two monitors two histories is caught by gossip, with evidence
 * that re-checks offline; broken entry rules, bad signatures, stale and unreachable logs; and
 * untrusted stays untrusted across restarts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromBase64 } from '../../src/encoding/base64.js';
import { utf8 } from '../../src/encoding/utf8.js';
import { isRunproofError } from '../../src/errors.js';
import { sha256 } from '../../src/merkle/hash.js';
import { checkConsistency } from '../../verifier/index.js';
import { openCheckpoint } from '../../src/note/checkpoint.js';
import { decodeEntry, encodeEntry } from '../../src/note/entry.js';
import { newSignerKey, parseSignerKey, toVerifier, verifierKey } from '../../src/note/keys.js';
import type { MonitorEvent } from '../../monitor/monitor.js';
import { buildFixtureLog } from '../helpers/fixture-log.js';
import { MemTree, addCheckpoint, requestBody, startWitness, tempDir, testSigner } from '../witness/helpers.js';
import { GrowingLog } from './growing-log.js';
import { kinds, monitorSlot, webhookReceiver, type MonitorSlot } from './helpers.js';

const logKey = testSigner('log.example/monitored');
const vkey = verifierKey(logKey);

let tmp: ReturnType<typeof tempDir>;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(() => {
  tmp = tempDir();
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  tmp.cleanup();
});

async function serve(log: GrowingLog): Promise<GrowingLog> {
  await log.listen();
  cleanups.push(() => log.close());
  return log;
}

async function slot(): Promise<MonitorSlot> {
  const s = await monitorSlot();
  cleanups.push(() => s.close());
  return s;
}

async function witness(dbName: string, logs = [logKey]) {
  const w = await startWitness({ dbFile: join(tmp.dir, dbName), logs });
  cleanups.push(() => w.close());
  return w;
}

/** Starts a monitor named `name` (state file and evidence dir derive from it) in a slot. */
function start(s: MonitorSlot, name: string, opts: { url: string; vkey?: string; peers?: string[]; witnessUrls?: string[]; webhook?: string }) {
  return s.start({
    dbFile: join(tmp.dir, `${name}.db`),
    logs: [{ url: opts.url, vkey: opts.vkey ?? vkey }],
    peers: opts.peers,
    witnessUrls: opts.witnessUrls,
    evidenceDir: join(tmp.dir, `${name}-evidence`),
    webhook: opts.webhook,
  });
}

/** Re-checks split-view evidence from its files alone, as `runproof consistency` does. */
function recheck(dir: string): 'consistent' | 'inconsistent' | 'unproven' {
  const verifier = toVerifier(logKey);
  const old = openCheckpoint(readFileSync(join(dir, 'old.checkpoint'), 'utf8'), verifier);
  const neu = openCheckpoint(readFileSync(join(dir, 'new.checkpoint'), 'utf8'), verifier);
  const proof = readFileSync(join(dir, 'proof'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => fromBase64(l, 32));
  try {
    checkConsistency(old, neu, proof);
    return 'consistent';
  } catch (e) {
    if (isRunproofError(e, 'INCONSISTENT_LOG')) return 'inconsistent';
    if (isRunproofError(e, 'PROOF_FAILED')) return 'unproven';
    throw e;
  }
}

function onlyAlert(events: MonitorEvent[]): Extract<MonitorEvent, { type: 'alert' }> {
  const alerts = events.filter((e): e is Extract<MonitorEvent, { type: 'alert' }> => e.type === 'alert');
  expect(alerts, JSON.stringify(events)).toHaveLength(1);
  return alerts[0]!;
}

describe('an honest log', () => {
  it('over many rounds, two gossiping monitors and a witness raise no alarm and accept every checkpoint', async () => {
    const log = await serve(new GrowingLog(logKey, new MemTree('honest')));
    const w = await witness('w.db');
    const [sa, sb] = [await slot(), await slot()];
    const a = start(sa, 'a', { url: log.url, peers: [sb.url], witnessUrls: [w.url] });
    const b = start(sb, 'b', { url: log.url, peers: [sa.url], witnessUrls: [w.url] });
    let witnessSize = 0;
    for (const n of [0, 1, 250, 256, 0, 517]) {
      log.tree.append(n);
      const cp = log.publish();
      const size = log.tree.size;
      const res = await addCheckpoint(w.url, requestBody(witnessSize, witnessSize === 0 || witnessSize === size ? [] : log.tree.proof(witnessSize, size), cp));
      expect(res.status, res.text).toBe(200);
      witnessSize = size;
      for (const m of [a, b]) {
        const r = await m.monitor.round();
        expect(r.exitCode, JSON.stringify(r.events)).toBe(0);
        expect(kinds(r.events)).toEqual([n === 0 && size !== 0 ? 'unchanged' : 'accepted']);
      }
    }
    for (const [m, name] of [[a, 'a'], [b, 'b']] as const) {
      expect(m.monitor.status()).toEqual([expect.objectContaining({ size: log.tree.size, trusted: true })]);
      expect(existsSync(join(tmp.dir, `${name}-evidence`))).toBe(false);
    }
  });
});

describe('split views', () => {
  /** A malicious log: one key, one origin, two histories from entry `at` on, each served on its own URL. */
  async function forkedLog(at: number, sizeOne: number, sizeTwo: number): Promise<[GrowingLog, GrowingLog]> {
    const base = new MemTree('shared').append(at);
    const one = new GrowingLog(logKey, base.fork(at, 'branch-one').append(sizeOne - at));
    const two = new GrowingLog(logKey, base.fork(at, 'branch-two').append(sizeTwo - at));
    for (const l of [one, two]) {
      l.publish(at);
      l.publish();
    }
    return [await serve(one), await serve(two)];
  }

  it('same size, two roots: after one gossip round both monitors report the fork, with evidence that re-checks', async () => {
    const [one, two] = await forkedLog(200, 300, 300);
    const hook = await webhookReceiver();
    cleanups.push(() => hook.close());
    const [sa, sb] = [await slot(), await slot()];
    const a = start(sa, 'a', { url: one.url, peers: [sb.url] });
    const b = start(sb, 'b', { url: two.url, peers: [sa.url], webhook: hook.url });

    expect(kinds(await a.monitor.followLogs())).toEqual(['accepted']);
    expect(kinds(await b.monitor.followLogs())).toEqual(['accepted']);
    const gossip = [await a.monitor.gossipLogs(), await b.monitor.gossipLogs()];
    for (const [m, events] of [[a, gossip[0]!], [b, gossip[1]!]] as const) {
      const alert = onlyAlert(events);
      expect(alert.kind).toBe('split-view');
      expect(recheck(alert.evidence)).toBe('inconsistent');
      expect(alert.command).toMatch(/^runproof consistency --vkey \S+ --proof \S+ --old \S+ --new \S+$/);
      const doc = JSON.parse(readFileSync(join(alert.evidence, 'evidence.json'), 'utf8'));
      expect(doc).toMatchObject({ kind: 'split-view', origin: logKey.name, vkey, confirm: alert.command });
      expect(m.monitor.status()[0]).toMatchObject({ trusted: false, evidence: alert.evidence });
    }
    expect(hook.bodies).toEqual([expect.objectContaining({ kind: 'split-view', origin: logKey.name })]);

    // Untrusted stays untrusted, round after round and across a restart on the same state file.
    expect((await b.monitor.round()).exitCode).toBe(1);
    const b2 = start(sb, 'b', { url: two.url });
    const r = await b2.monitor.round();
    expect(r.exitCode).toBe(1);
    expect(kinds(r.events)).toEqual(['untrusted']);
    // It still serves its last verified checkpoint to peers.
    expect(b2.monitor.latestCheckpoint(Buffer.from(sha256(utf8(logKey.name))).toString('hex'))).toBe(two.current);
  });

  it('different sizes: the smaller is no prefix of the larger (evidence); a larger one the log has no tiles for is only unproven', async () => {
    const [one, two] = await forkedLog(100, 300, 420);
    const [sa, sb] = [await slot(), await slot()];
    const a = start(sa, 'a', { url: one.url, peers: [sb.url] });
    const b = start(sb, 'b', { url: two.url, peers: [sa.url] });
    await a.monitor.followLogs();
    await b.monitor.followLogs();
    // A (300) is shown 420: log one has no tiles for 420, so there is no proof at all — a
    // lagging mirror looks the same, so this is not evidence.
    const gossipA = await a.monitor.gossipLogs();
    expect(kinds(gossipA)).toEqual(['unreachable']);
    expect(a.monitor.status()[0]!.trusted).toBe(true);
    // B (420) is shown 300: log two's proof 300 → 420 is of its own branch and fails against A's 300.
    const alertB = onlyAlert(await b.monitor.gossipLogs());
    expect(recheck(alertB.evidence)).toBe('inconsistent');
    expect(readFileSync(join(alertB.evidence, 'proof'), 'utf8')).not.toBe('');
  });

  it('a log that rewrites its history under a monitor is caught on the next follow', async () => {
    const log = await serve(new GrowingLog(logKey, new MemTree('mine').append(300)));
    log.publish();
    const m = start(await slot(), 'm', { url: log.url });
    expect((await m.monitor.round()).exitCode).toBe(0);
    log.rewrite(log.tree.fork(250, 'rewritten').append(150));
    log.publish();
    const r = await m.monitor.round();
    expect(r.exitCode).toBe(1);
    const alert = onlyAlert(r.events);
    expect(alert.kind).toBe('split-view');
    expect(recheck(alert.evidence)).toBe('inconsistent');
  });

  it('a witness\'s monitoring read is a gossip source too', async () => {
    const [one, two] = await forkedLog(10, 40, 40);
    const w = await witness('w.db');
    expect((await addCheckpoint(w.url, requestBody(0, [], two.current))).status).toBe(200);
    const m = start(await slot(), 'm', { url: one.url, witnessUrls: [w.url] });
    const r = await m.monitor.round();
    expect(kinds(r.events)).toEqual(['accepted', 'alert:split-view']);
    expect(r.exitCode).toBe(1);
  });
});

describe('bad logs', () => {
  it('broken entry rules (repeated identity, time going back, unknown type) are alerts with evidence', async () => {
    for (const faults of [{ duplicate: [3, 9] as [number, number] }, { timeBackwards: 7 }, { wrongType: 4 }]) {
      const fixture = buildFixtureLog({ size: 20, faults, origin: 'fixture.example/bad' });
      const served = await fixture.listen();
      cleanups.push(() => served.close());
      const name = `bad-${Object.keys(faults)[0]}`;
      const m = start(await slot(), name, { url: served.url, vkey: fixture.vkey });
      const r = await m.monitor.round();
      expect(r.exitCode).toBe(1);
      const alert = onlyAlert(r.events);
      expect(alert.kind).toBe('bad-entries');
      expect(alert.command).toMatch(/^runproof audit --log /);
      const doc = JSON.parse(readFileSync(join(alert.evidence, 'evidence.json'), 'utf8'));
      expect(doc.violations.length, name).toBeGreaterThan(0);
      expect(m.monitor.status()[0]!.trusted).toBe(false);
    }
  });

  it('entry rules hold across rounds and restarts: an identity from an earlier round, or a time before the last checked entry', async () => {
    for (const [name, bad] of [
      ['repeat', (t: MemTree) => encodeEntry({ type: 1, timestamp: 1_770_000_000_000, identity: decodeEntry(t.entry(3)).identity })],
      ['earlier', (t: MemTree) => encodeEntry({ type: 1, timestamp: decodeEntry(t.entry(9)).timestamp - 1, identity: sha256(utf8('fresh')) })],
    ] as const) {
      const log = await serve(new GrowingLog(logKey, new MemTree(name).append(10)));
      log.publish();
      const s = await slot();
      expect((await start(s, name, { url: log.url }).monitor.round()).exitCode).toBe(0);
      log.tree.appendEntry(bad(log.tree));
      log.publish();
      // A restart in between: the rules' state comes from the state file.
      const r = await start(s, name, { url: log.url }).monitor.round();
      expect(r.exitCode, name).toBe(1);
      const alert = onlyAlert(r.events);
      expect(alert.kind).toBe('bad-entries');
      const doc = JSON.parse(readFileSync(join(alert.evidence, 'evidence.json'), 'utf8'));
      expect(doc.violations).toEqual([expect.objectContaining({ index: 10, rule: name === 'repeat' ? 'duplicate-identity' : 'time-decreased' })]);
    }
  });

  it('a checkpoint that does not verify is a bad log (exit 1), entries that do not hash to the signed root are unproven (exit 3); neither is evidence', async () => {
    for (const [faults, kind, code] of [
      [{ badSignature: true }, 'bad-log', 1],
      [{ entryChanged: 5 }, 'unproven', 3],
    ] as const) {
      const fixture = buildFixtureLog({ size: 20, faults, origin: 'fixture.example/bad' });
      const served = await fixture.listen();
      cleanups.push(() => served.close());
      const m = start(await slot(), `badlog-${Object.keys(faults)[0]}`, { url: served.url, vkey: fixture.vkey });
      const r = await m.monitor.round();
      expect(kinds(r.events)).toEqual([kind]);
      expect(r.exitCode).toBe(code);
      expect(m.monitor.status()[0]!.trusted).toBe(true);
    }
  });

  it('an older consistent checkpoint is only stale, junk from a peer is ignored, an unreachable log is exit 3', async () => {
    const log = await serve(new GrowingLog(logKey, new MemTree('x').append(50)));
    const old = log.publish(20);
    log.publish();
    // A "peer" serving a checkpoint for our origin signed by another key of the same name.
    const impostor = parseSignerKey(newSignerKey(logKey.name, sha256(utf8('impostor'))));
    const junk = await witness('junk.db', [impostor]);
    const fake = new GrowingLog(impostor, new MemTree('y').append(5));
    expect((await addCheckpoint(junk.url, requestBody(0, [], fake.publish()))).status).toBe(200);

    const m = start(await slot(), 'm', { url: log.url, peers: [junk.url] });
    const first = await m.monitor.round();
    expect(kinds(first.events)).toEqual(['accepted', 'ignored']);
    expect(first.exitCode).toBe(0);
    log.override = old;
    const stale = await m.monitor.round();
    expect(kinds(stale.events)).toEqual(['stale', 'ignored']);
    expect(stale.exitCode).toBe(0);
    await log.close();
    const down = await m.monitor.round();
    expect(kinds(down.events)[0]).toBe('unreachable');
    expect(down.exitCode).toBe(3);
    expect(m.monitor.status()[0]!.trusted).toBe(true);
  });
});

describe('configuration', () => {
  it('refuses a peer URL that is not http(s), and a state file that follows the log under another key', async () => {
    const s = await slot();
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
        return 'OK';
      } catch (e) {
        return isRunproofError(e) ? e.code : String(e);
      }
    };
    expect(codeOf(() => start(s, 'cfg', { url: 'http://127.0.0.1:9', peers: ['ftp://peer.example'] }))).toBe('MALFORMED_REQUEST');
    expect(codeOf(() => start(s, 'cfg2', { url: 'http://127.0.0.1:9' }))).toBe('OK');
    const otherKey = parseSignerKey(newSignerKey(logKey.name, sha256(utf8('rotated'))));
    expect(codeOf(() => start(s, 'cfg2', { url: 'http://127.0.0.1:9', vkey: verifierKey(otherKey) }))).toBe('CONFLICT');
  });
});
