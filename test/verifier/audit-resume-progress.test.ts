/**
 * The audit resumed from saved progress that breaks the AuditStateStore contract (state.ts):
 * identities missing or repeated, tile hashes missing. The identity set keeps only keys and
 * confirms a candidate repeat against the saved identities by position, so such progress would
 * shift positions and hide a repeat later in the log: it is refused (MALFORMED_REQUEST), never
 * trusted and never blamed on the log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRunproofError } from '../../src/errors.js';
import { LogClient } from '../../verifier/log-client.js';
import { audit } from '../../verifier/audit/audit.js';
import type { AuditProgress, AuditStateStore } from '../../verifier/audit/state.js';
import { dirStateStore } from '../../verifier/audit/state-dir.js';
import { served } from '../helpers/fixture-log.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A directory store whose loaded progress is changed by `tamper` (as a faulty custom store would return it). */
function tampered(dir: string, tamper: (p: AuditProgress) => AuditProgress): AuditStateStore {
  const store = dirStateStore(dir);
  return {
    load: async (origin) => {
      const p = await store.load(origin);
      return p === undefined ? undefined : tamper(p);
    },
    save: (from, p) => store.save(from, p),
  };
}

/** Saves the progress of an honest audit of the first 512 entries, returns the directory. */
async function savedPrefix(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'runproof-resume-'));
  dirs.push(dir);
  await served({ size: 512 }, (url, log) => audit(new LogClient(url), { trust: { vkey: log.vkey }, state: dirStateStore(dir), saveEvery: 1 }));
  return dir;
}

/** The outcome of auditing 700 entries where entry 600 repeats entry 300's identity. */
async function auditRepeat(state: AuditStateStore): Promise<unknown> {
  return served({ size: 700, faults: { duplicate: [300, 600] } }, async (url, log) => {
    try {
      return await audit(new LogClient(url), { trust: { vkey: log.vkey }, state });
    } catch (e) {
      if (isRunproofError(e)) return e;
      throw e;
    }
  });
}

describe('audit resumed from progress that breaks the store contract', () => {
  it('control: intact progress finds the repeat of a saved identity', async () => {
    const e = await auditRepeat(dirStateStore(await savedPrefix()));
    expect(e).toMatchObject({ code: 'AUDIT_FAILED', evidence: { index: 600, earlier: 300 } });
  });

  it('refuses progress with fewer identities than its bundles (it would hide the repeat)', async () => {
    const dir = await savedPrefix();
    const e = await auditRepeat(tampered(dir, (p) => ({ ...p, identities: p.identities.subarray(0, 100 * 32) })));
    expect(e).toMatchObject({ code: 'MALFORMED_REQUEST' });
  });

  it('refuses progress whose identities repeat (positions would shift and hide the repeat)', async () => {
    const dir = await savedPrefix();
    const e = await auditRepeat(
      tampered(dir, (p) => {
        const identities = p.identities.slice();
        identities.copyWithin(7 * 32, 5 * 32, 6 * 32); // entry 7 "has" entry 5's identity
        return { ...p, identities };
      }),
    );
    expect(e).toMatchObject({ code: 'MALFORMED_REQUEST' });
  });

  it('refuses progress with missing tile hashes instead of blaming the log for the root', async () => {
    const dir = await savedPrefix();
    const e = await served({ size: 700 }, async (url, log) =>
      audit(new LogClient(url), { trust: { vkey: log.vkey }, state: tampered(dir, (p) => ({ ...p, tileHashes: p.tileHashes.subarray(0, 32) })) }).catch((x: unknown) => x),
    );
    expect(e).toMatchObject({ code: 'MALFORMED_REQUEST' });
  });

  it("refuses another log's progress returned by the store", async () => {
    const dir = await savedPrefix();
    const e = await auditRepeat(tampered(dir, (p) => ({ ...p, origin: 'other.example/log' })));
    expect(e).toMatchObject({ code: 'MALFORMED_REQUEST' });
  });

  it('refuses progress with a bundle count that is not a whole number', async () => {
    const dir = await savedPrefix();
    const e = await served({ size: 700 }, async (url, log) =>
      audit(new LogClient(url), { trust: { vkey: log.vkey }, state: tampered(dir, (p) => ({ ...p, bundles: 1.5 })) }).catch((x: unknown) => x),
    );
    expect(e).toMatchObject({ code: 'MALFORMED_REQUEST' });
  });
});
