/**
 * The checkpoint panel: origin, tree size, root, newest entry time, the log signature and each
 * cosignature — or, loudly, why the log failed, with the signed checkpoints as evidence.
 */
import { toBase64 } from '../../src/encoding/base64.js';
import { byId, describeError, errorView, formatTime, h, replace, setVerdict } from '../dom.js';
import { downloadLink } from '../download.js';
import type { ForkEvidence, VerifiedCheckpoint } from '../session.js';
import type { TrustRoot } from '../trust.js';

/** CheckpointView renders the verified checkpoint and its failures. */
export class CheckpointView {
  private readonly status = byId('checkpoint-status');
  private readonly details = byId('checkpoint-details');
  private readonly alert = byId('checkpoint-alert');
  private readonly note = byId('checkpoint-note');

  /** pending shows that the first checkpoint is being fetched. */
  pending(logUrl: string): void {
    setVerdict(this.status, 'pending', `Fetching the checkpoint of ${logUrl}…`);
    replace(this.details);
    this.alert.hidden = true;
    replace(this.note);
  }

  /** verified shows a verified checkpoint. */
  verified(cp: VerifiedCheckpoint, trust: TrustRoot): void {
    const c = cp.opened.checkpoint;
    const logKey = cp.opened.checkpoint.origin;
    setVerdict(
      this.status,
      'verified',
      h('strong', {}, 'Verified'),
      trust.pinned ? ' — signed by the log key you pinned.' : ' — signed by the key the log serves, which is not independently pinned.',
    );
    const witnessRows = cp.witnesses.map((w) => h('li', {}, h('span', { class: 'ok', 'aria-hidden': 'true' }, '✓ '), `${w.name} — cosigned ${formatTime(w.timestamp)}`));
    const unknownRows = cp.unverifiedCosigners.map((n) => h('li', { class: 'muted' }, `${n} — not checked (key not pinned)`));
    replace(
      this.details,
      row('Origin', h('code', {}, c.origin)),
      row('Tree size', h('span', { 'data-testid': 'tree-size' }, String(c.size))),
      row('Root', h('code', { class: 'hash' }, toBase64(c.root))),
      row('Newest entry', h('span', { id: 'newest-entry' }, c.size === 0 ? 'none (empty log)' : '…')),
      row('Signature', h('span', {}, h('span', { class: 'ok', 'aria-hidden': 'true' }, '✓ '), `${logKey} (${trust.pinned ? 'pinned' : 'not independently pinned'})`)),
      row(
        'Cosignatures',
        witnessRows.length + unknownRows.length === 0 ? h('span', { class: 'muted' }, 'none') : h('ul', { class: 'plain' }, ...witnessRows, ...unknownRows),
      ),
      row('Checked', h('span', {}, `${formatTime(cp.fetchedAt)}, again every few seconds with a consistency proof`)),
    );
  }

  /** newest shows the time of the newest entry (proven included), or why it could not be shown. */
  newest(text: string): void {
    const el = document.getElementById('newest-entry');
    if (el !== null) el.textContent = text;
  }

  /** pollError notes a failed re-check without changing the verdict (the last one still holds). */
  pollError(e: unknown): void {
    const { code, message } = describeError(e);
    replace(this.note, `Last re-check failed (${code}: ${message}); retrying.`);
  }

  /** pollOk clears the re-check note. */
  pollOk(): void {
    replace(this.note);
  }

  /** failed shows that the checkpoint could not be verified. */
  failed(e: unknown, trust: TrustRoot | undefined): void {
    const { code } = describeError(e);
    const signature = ['NO_VERIFIED_SIGNATURE', 'INVALID_SIGNATURE', 'UNKNOWN_KEY', 'ORIGIN_MISMATCH', 'QUORUM_NOT_MET'].includes(code);
    setVerdict(
      this.status,
      'failed',
      h('strong', {}, 'Failed: '),
      signature
        ? `the log's checkpoint is not signed as ${trust?.pinned ? 'the trust you pinned' : 'expected'} requires. `
        : 'the checkpoint could not be read or verified. ',
      errorView(e),
    );
    replace(this.details);
  }

  /** fork shows, loudly, two signed checkpoints the log cannot prove consistent. */
  fork(ev: ForkEvidence): void {
    setVerdict(this.status, 'failed', h('strong', {}, ev.proven ? 'Failed: the log forked. ' : 'Failed to verify: '), ev.message);
    const evidence = `# Two checkpoints signed by the same log that it could not prove consistent.\n# Re-check: runproof consistency --old old.checkpoint --new new.checkpoint --log URL --vkey VKEY\n\n## old\n${ev.old}\n## new\n${ev.new}\n## consistency proof served (base64, one per line)\n${ev.proof.join('\n')}\n`;
    const title = ev.sameSize
      ? 'Fork: two different trees of the same size, both signed by the log'
      : ev.proven
        ? 'Fork: the log’s new tree does not start with the tree it signed before'
        : 'The log could not prove that its new checkpoint extends the previous one';
    const explain = ev.proven
      ? 'Both checkpoints carry the log’s signature; with the proof, which leads to the new signed root but not to the old one, they are evidence anyone can re-check.'
      : 'The consistency proof from its tiles does not verify, yet shows no contradiction either — a corrupted tile would look the same — so this is unproven rather than evidence of a fork. The two signed checkpoints are below: anyone can re-check them against the log with runproof consistency.';
    replace(
      this.alert,
      h('h3', {}, title),
      h('p', {}, explain, ' The explorer has stopped trusting this log; the details below are of the last checkpoint it verified.'),
      h(
        'p',
        { class: 'downloads' },
        downloadLink('Download the previous checkpoint', 'old.checkpoint', ev.old, 'evidence-old'),
        ' ',
        downloadLink('Download the new checkpoint', 'new.checkpoint', ev.new, 'evidence-new'),
        ' ',
        downloadLink('Download both with the proof', 'inconsistency-evidence.txt', evidence, 'evidence-all'),
      ),
    );
    this.alert.dataset['proven'] = String(ev.proven);
    this.alert.hidden = false;
  }
}

function row(label: string, value: HTMLElement): DocumentFragment {
  const f = document.createDocumentFragment();
  f.append(h('dt', {}, label), h('dd', {}, value));
  return f;
}
