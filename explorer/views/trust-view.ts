/**
 * The trust panel: which key (or policy) the page verifies against and where it came from, and
 * the form to pin one (remembered in local storage for this log) or forget it.
 */
import { byId, errorView, h, replace } from '../dom.js';
import { parseTrust, type TrustRoot } from '../trust.js';

const SOURCES = {
  fragment: 'by the link you opened (#vkey / #policy)',
  saved: 'by you, remembered in this browser',
  pasted: 'by you',
  served: 'this is the key the log serves about itself',
} as const;

/** TrustView shows the trust root and pins new ones. */
export class TrustView {
  private readonly state = byId('trust-state');
  private readonly input = byId<HTMLTextAreaElement>('trust-input');
  private readonly error = byId('trust-error');

  constructor(onPin: (trust: TrustRoot) => void, onForget: () => void) {
    byId('trust-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      try {
        onPin(parseTrust(this.input.value, 'pasted'));
        replace(this.error);
      } catch (e) {
        replace(this.error, errorView(e));
      }
    });
    byId('trust-forget').addEventListener('click', onForget);
  }

  /** show renders the trust root in use (or that there is none). */
  show(trust: TrustRoot | undefined, why?: string): void {
    const panel = byId('trust');
    if (trust === undefined) {
      panel.dataset['pinned'] = 'none';
      replace(this.state, h('p', { class: 'warn', 'data-testid': 'trust-source' }, why ?? 'No verifier key: paste the log’s key below.'));
      return;
    }
    panel.dataset['pinned'] = trust.pinned ? 'pinned' : 'served';
    replace(
      this.state,
      h('p', { class: trust.pinned ? 'ok-text' : 'warn', 'data-testid': 'trust-source' }, trust.pinned ? '✓ Pinned ' : '⚠ Not independently pinned: ', SOURCES[trust.source], '.'),
      h('p', {}, trust.policy ? 'Policy: ' : 'Log key: ', h('code', { class: 'hash' }, trust.policy ? trust.logKeys.join(', ') : trust.text)),
      trust.witnesses.length > 0 ? h('p', {}, `Witnesses: ${trust.witnesses.join(', ')}${trust.policy?.quorum === 'none' ? ' (verified and named; none required)' : ` (quorum: ${trust.policy?.quorum})`}`) : null,
      trust.pinned ? null : h('p', { class: 'muted' }, 'A log that serves its own key can only prove it is consistent with itself. Get the key from someone you trust and pin it.'),
    );
  }
}
