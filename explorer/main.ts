/**
 * The runproof log explorer: verifies a c2sp.org/tlog-tiles log in the browser against a key the
 * user pins — checkpoint signatures and cosignatures, consistency between polls, inclusion of
 * entries, identities of declarations and offline receipt checks — with the pure core (`src/`)
 * and the browser-safe verification library (`verifier/index.ts`). docs/explorer.md.
 */
import { byId, describeError } from './dom.js';
import { defaultLogUrl, formatParams, parseParams, pollMs, type PageParams } from './params.js';
import { LogSession, type CheckpointEvent, type VerifiedCheckpoint } from './session.js';
import { parseServedInfo, parseTrust, savedTrust, saveTrust, servedTrust, type TrustRoot } from './trust.js';
import { CheckpointView } from './views/checkpoint-view.js';
import { DeclarationView } from './views/declaration-view.js';
import { formatTime } from './dom.js';
import { GrowthView } from './views/growth-view.js';
import { LookupView } from './views/lookup-view.js';
import { ReceiptView } from './views/receipt-view.js';
import { TrustView } from './views/trust-view.js';

const fragment = parseParams(location.hash);
const query = parseParams(location.search);
let logUrl = fragment.log ?? query.log ?? defaultLogUrl(location);
let session: LogSession | undefined;
let trust: TrustRoot | undefined;
let params: PageParams = { ...fragment };

const checkpointView = new CheckpointView();
const lookupView = new LookupView(() => session, (identity) => setParam('identity', identity));
const growth = new GrowthView(() => session, (identity) => void lookupView.lookup(identity));
new DeclarationView((identity) => void lookupView.lookup(identity), (e) => lookupView.rejected(e));
new ReceiptView(() => trust);
const trustView = new TrustView(
  (pinned) => {
    saveTrust(logUrl, pinned.text);
    void open(pinned);
  },
  () => {
    saveTrust(logUrl, undefined);
    delete params.vkey;
    delete params.policy;
    writeFragment();
    void open();
  },
);

/** setParam records a parameter in the fragment, so the view can be shared as a link. */
function setParam(name: keyof PageParams, value: string): void {
  params[name] = value;
  writeFragment();
}

function writeFragment(): void {
  history.replaceState(null, '', `${location.pathname}${location.search}#${formatParams(params)}`);
}

/** resolveTrust picks the trust root: the link's, then the remembered one, then the log's own key. */
async function resolveTrust(): Promise<TrustRoot | undefined> {
  if (params.policy !== undefined) return parseTrust(params.policy, 'fragment');
  if (params.vkey !== undefined) return parseTrust(params.vkey, 'fragment');
  const saved = savedTrust(logUrl);
  if (saved !== undefined) return parseTrust(saved, 'saved');
  const res = await fetch(`${logUrl}/v1/log`, { headers: { Accept: 'application/json' } });
  if (!res.ok) return undefined;
  return servedTrust(parseServedInfo(await res.json()));
}

/** open (re)starts the session with the given trust root, or the resolved one. */
async function open(given?: TrustRoot): Promise<void> {
  session?.stop();
  session = undefined;
  (byId<HTMLInputElement>('log-url')).value = logUrl;
  checkpointView.pending(logUrl);
  try {
    trust = given ?? (await resolveTrust());
  } catch (e) {
    trust = undefined;
    trustView.show(undefined, `Could not read the log's key (${describeError(e).code}); paste the log’s verifier key below.`);
  }
  if (trust === undefined) {
    trustView.show(undefined);
    checkpointView.failed(new Error('no verifier key to check the checkpoint against: pin the log’s key (Trust)'), undefined);
    return;
  }
  trustView.show(trust);
  const s = new LogSession(logUrl, trust, (ev) => onCheckpoint(s, ev), pollMs(params));
  session = s;
  s.start();
  if (params.identity !== undefined) void lookupView.lookup(params.identity);
}

let chartDrawnAt = 0;

function onCheckpoint(s: LogSession, ev: CheckpointEvent): void {
  if (s !== session || trust === undefined) return;
  switch (ev.kind) {
    case 'verified': {
      checkpointView.verified(ev.checkpoint, trust);
      checkpointView.pollOk();
      void showNewest(s, ev.checkpoint);
      // The chart samples ~40 entries: redraw it when the log has grown by a tenth.
      const size = ev.checkpoint.opened.checkpoint.size;
      const redraw = chartDrawnAt === 0 || size >= chartDrawnAt * 1.1;
      if (redraw) chartDrawnAt = Math.max(size, 1);
      growth.update(ev.checkpoint, redraw);
      break;
    }
    case 'failed':
      checkpointView.failed(ev.error, trust);
      break;
    case 'fork':
      checkpointView.fork(ev.evidence);
      break;
    case 'poll-error':
      checkpointView.pollError(ev.error);
      break;
  }
}

async function showNewest(s: LogSession, cp: VerifiedCheckpoint): Promise<void> {
  const size = cp.opened.checkpoint.size;
  if (size === 0) return;
  try {
    const e = await s.entry(size - 1, cp);
    checkpointView.newest(`${formatTime(e.timestamp)} (entry ${e.index}, proven included)`);
  } catch (e) {
    const { code } = describeError(e);
    checkpointView.newest(`unproven (${code})`);
  }
}

byId('log-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const url = byId<HTMLInputElement>('log-url').value.trim().replace(/\/+$/, '');
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return;
  }
  if (target.origin !== location.origin) {
    // Another origin: reload with ?log= so the server can allow exactly that origin in its
    // Content-Security-Policy (connect-src); a fragment never reaches the server.
    location.href = `${location.pathname}?${formatParams({ log: url })}`;
    return;
  }
  logUrl = url;
  params = { log: url };
  writeFragment();
  void open();
});

void open();
