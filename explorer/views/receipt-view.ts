/**
 * The receipt panel: a `.tlog-proof` file (and optionally its declaration) checked offline with
 * `verifyReceipt` — no request is made — against the trust root of the page.
 */
import { RunproofError } from '../../src/errors.js';
import { formatIdentity } from '../../src/declaration/identity.js';
import { decodeEntry } from '../../src/note/entry.js';
import { parseTlogProof } from '../../src/note/tlog-proof.js';
import { verifyReceipt } from '../../verifier/index.js';
import { byId, errorView, formatTime, h, setVerdict } from '../dom.js';
import type { TrustRoot } from '../trust.js';
import { readDroppedFile } from './files.js';

/** ReceiptView verifies dropped or chosen receipts. */
export class ReceiptView {
  private readonly verdict = byId('receipt-verdict');
  private receipt: Uint8Array | undefined;
  private declaration: Uint8Array | undefined;

  constructor(private readonly trust: () => TrustRoot | undefined) {
    const receiptInput = byId<HTMLInputElement>('receipt-file');
    const declarationInput = byId<HTMLInputElement>('receipt-declaration');
    receiptInput.addEventListener('change', async () => {
      const f = receiptInput.files?.[0];
      this.receipt = f === undefined ? undefined : new Uint8Array(await f.arrayBuffer());
    });
    declarationInput.addEventListener('change', async () => {
      const f = declarationInput.files?.[0];
      this.declaration = f === undefined ? undefined : new Uint8Array(await f.arrayBuffer());
    });
    readDroppedFile(byId('receipt-drop'), (bytes, name) => {
      const isReceipt = name.endsWith('.tlog-proof') || new TextDecoder().decode(bytes.subarray(0, 22)) === 'c2sp.org/tlog-proof@v1';
      if (isReceipt) this.receipt = bytes;
      else this.declaration = bytes;
      byId('receipt-dropped').textContent = `${isReceipt ? 'Receipt' : 'Declaration'}: ${name}`;
    });
    byId('receipt-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.check();
    });
  }

  /** check verifies the chosen receipt and shows the verdict. */
  check(): void {
    const trust = this.trust();
    if (this.receipt === undefined) {
      setVerdict(this.verdict, 'failed', h('strong', {}, 'No receipt: '), 'choose or drop a .tlog-proof file.');
      return;
    }
    if (trust === undefined) {
      setVerdict(this.verdict, 'failed', h('strong', {}, 'No key: '), 'pin the log’s verifier key (Trust) to check a receipt.');
      return;
    }
    try {
      // Without a declaration the receipt is checked for the identity its own entry names: it then
      // proves that identity was logged, not which run it stands for.
      const identity = this.declaration === undefined ? entryIdentity(this.receipt) : undefined;
      const v = verifyReceipt({ receipt: this.receipt, ...(this.declaration ? { declaration: this.declaration } : { identity }), trust: trust.trust });
      setVerdict(
        this.verdict,
        'verified',
        h('strong', {}, 'Verified offline: '),
        `${v.identity} is entry ${v.index} of ${v.origin}, logged ${formatTime(v.timestamp)}, in the signed checkpoint of size ${v.treeSize}`,
        v.witnesses.length > 0 ? `, cosigned by ${v.witnesses.map((w) => w.name).join(', ')}` : '',
        this.declaration === undefined ? '. No declaration given: this shows the identity was logged, not which run it is.' : '; the declaration matches.',
        trust.pinned ? '' : ' Checked against the log’s served key, which is not independently pinned.',
      );
    } catch (e) {
      setVerdict(this.verdict, 'failed', h('strong', {}, 'Failed: '), errorView(e));
    }
  }
}

/** entryIdentity reads the identity the receipt's entry names (checked again by verifyReceipt). */
function entryIdentity(receipt: Uint8Array): string {
  const extra = parseTlogProof(receipt).extra;
  if (extra === undefined) throw new RunproofError('MALFORMED_PROOF', 'receipt has no extra line carrying the log entry', { path: 'line 2' });
  return formatIdentity(decodeEntry(extra).identity);
}
