/**
 * A candidate repeat across bundles is confirmed by reading the earlier bundle again
 * (audit.ts sameIdentity). A log that holds a real repeat can refuse that second read: the
 * audit cannot prove the repeat then, but it fails (AUDIT_FAILED, `proven: false`, not a "try
 * again later" UNAVAILABLE) and says which entries share a key, so the repeat is not hidden
 * behind a plain "not served".
 */
import { describe, expect, it } from 'vitest';
import { isRunproofError, type RunproofError } from '../../src/errors.js';
import { LogClient } from '../../verifier/log-client.js';
import { audit } from '../../verifier/audit/audit.js';
import { served, type FixtureOptions } from '../helpers/fixture-log.js';

async function auditError(opts: FixtureOptions): Promise<RunproofError> {
  return served(opts, async (url, log) => {
    try {
      await audit(new LogClient(url), { trust: { vkey: log.vkey }, concurrency: 4 });
    } catch (e) {
      if (isRunproofError(e)) return e;
      throw e;
    }
    throw new Error('audit passed a broken log');
  });
}

describe('audit when the earlier bundle is not served again', () => {
  it('fails with the unconfirmed repeat (AUDIT_FAILED, proven: false, both entries) instead of only the missing bundle', async () => {
    const e = await auditError({ size: 700, faults: { duplicate: [12, 601], missingOnReread: 0 } });
    expect(e.code).toBe('AUDIT_FAILED');
    expect(e.message).toMatch(/entry 601.*entry 12.*a likely repeat left unproven/);
    expect(e.evidence).toMatchObject({ index: 601, earlier: 12, proven: false });
    expect(String(e.evidence?.['identity'])).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(String(e.evidence?.['url'])).toMatch(/\/tile\/entries\/000$/);
  });

  it('an honest log that serves the bundle again still passes (no candidate, no second read)', async () => {
    const report = await served({ size: 700, faults: { missingOnReread: 0 } }, (url, log) => audit(new LogClient(url), { trust: { vkey: log.vkey } }));
    expect(report.size).toBe(700);
  });
});
