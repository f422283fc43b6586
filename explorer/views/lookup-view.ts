/**
 * The lookup panel: an identity from the search box, `#identity=`, a declaration or an entry row,
 * and its verdict (`data-testid="verdict"`).
 */
import { formatIdentity } from '../../src/declaration/identity.js';
import { byId, errorView, formatTime, h, replace, setVerdict } from '../dom.js';
import { lookupIdentity } from '../lookup.js';
import type { LogSession } from '../session.js';

/** LookupView runs lookups and shows their verdicts; a newer lookup supersedes an older one. */
export class LookupView {
  private readonly form = byId<HTMLFormElement>('lookup-form');
  private readonly input = byId<HTMLInputElement>('lookup-input');
  private readonly shown = byId('lookup-identity');
  private readonly verdict = byId('verdict');
  private generation = 0;

  constructor(private readonly session: () => LogSession | undefined, private readonly onIdentity: (identity: string) => void) {
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.lookup(this.input.value.trim());
    });
  }

  /** lookup looks `identity` up and shows the verdict. */
  async lookup(identity: string): Promise<void> {
    const gen = ++this.generation;
    this.input.value = identity;
    replace(this.shown, identity);
    this.onIdentity(identity);
    setVerdict(this.verdict, 'pending', 'Looking up and verifying…');
    const session = this.session();
    if (session === undefined) {
      setVerdict(this.verdict, 'failed', h('strong', {}, 'Failed: '), 'no log is open.');
      return;
    }
    const result = await lookupIdentity(session, identity, (p) => gen === this.generation && setVerdict(this.verdict, 'pending', p));
    if (gen !== this.generation) return;
    if (result.verdict === 'verified') {
      const { entry, checkpoint } = result;
      replace(this.shown, formatIdentity(entry.identity));
      setVerdict(
        this.verdict,
        'verified',
        h('strong', {}, 'Verified: '),
        `entry ${entry.index}, logged ${formatTime(entry.timestamp)}, proven included in the checkpoint of size ${checkpoint.opened.checkpoint.size}`,
        session.trust.pinned ? '.' : ' (signed by a key that is not independently pinned).',
      );
    } else if (result.verdict === 'not-found') {
      setVerdict(this.verdict, 'not-found', h('strong', {}, 'Not found: '), result.how, '.');
    } else {
      setVerdict(this.verdict, 'failed', h('strong', {}, 'Failed to verify: '), errorView(result.error));
    }
  }

  /** rejected shows a verdict for input that never reached a lookup (a bad declaration). */
  rejected(e: unknown): void {
    ++this.generation;
    this.input.value = '';
    replace(this.shown);
    setVerdict(this.verdict, 'failed', h('strong', {}, 'Rejected: '), errorView(e));
  }
}
