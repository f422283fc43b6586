/**
 * Opening a log from its store: initialise a fresh one, or check the stored one and restore its
 * right edge. No replay: start-up reads the latest stored checkpoint, checks its signature with
 * the log key, rebuilds the right edge from the stored right-edge tiles (a few reads) and
 * refuses to start unless the root it recomputes equals the checkpoint's root
 * (docs/storage.md "Restart").
 */
import { RunproofError } from '../src/errors.js';
import { toBase64 } from '../src/encoding/base64.js';
import { equalBytes } from '../src/encoding/utf8.js';
import { formatCheckpoint, parseCheckpoint } from '../src/note/checkpoint.js';
import { toVerifier, verifierKey, type Signer } from '../src/note/keys.js';
import { openNote, signNote } from '../src/note/note.js';
import type { Committed } from './sequencer.js';
import type { LogBackend } from './storage/backend.js';
import { RightEdge } from './storage/right-edge.js';

/**
 * initialise gives a fresh store its origin and the signed checkpoint of the empty tree, or
 * checks the stored origin.
 * @throws RunproofError NOT_FOUND (fresh and not `create`); ORIGIN_MISMATCH (another log's store)
 */
export async function initialise(backend: LogBackend, origin: string, signer: Signer, create: boolean, clock: () => number): Promise<void> {
  const stored = await backend.origin();
  if (stored === undefined) {
    if (!create) throw new RunproofError('NOT_FOUND', `${backend.name} is not initialised; create it first (runproof-log serve --init, or the create option)`);
    const note = signNote(formatCheckpoint({ origin, size: 0, root: RightEdge.empty().root(), extensions: [] }), [signer]);
    await backend.initialise({ origin, createdMs: Math.max(0, Math.floor(clock())), checkpoint: { size: 0, note } });
  } else if (stored !== origin) {
    throw new RunproofError('ORIGIN_MISMATCH', `${backend.name} belongs to origin ${JSON.stringify(stored)}, not ${JSON.stringify(origin)}`);
  }
}

/**
 * restore reads the latest checkpoint, checks its signature, and rebuilds and checks the right edge.
 * @throws RunproofError UNKNOWN_KEY (not signed by `signer`); INCONSISTENT_LOG (no checkpoint,
 *   or the stored tiles do not reproduce its root: corruption)
 */
export async function restore(backend: LogBackend, origin: string, signer: Signer): Promise<{ latest: Committed; edge: RightEdge }> {
  const row = await backend.latestCheckpoint();
  if (row === undefined) throw new RunproofError('INCONSISTENT_LOG', `${backend.name} has no checkpoint`);
  let text: string;
  try {
    text = openNote(row.note, [toVerifier(signer)]).text;
  } catch (cause) {
    throw new RunproofError('UNKNOWN_KEY', `the latest checkpoint in ${backend.name} is not signed by ${verifierKey(signer)}; wrong key file?`, { cause });
  }
  const checkpoint = parseCheckpoint(text);
  if (checkpoint.origin !== origin || checkpoint.size !== row.size) {
    throw new RunproofError('INCONSISTENT_LOG', `the latest checkpoint in ${backend.name} does not match its row (size ${row.size})`, { evidence: { checkpoint: row.note } });
  }
  let edge: RightEdge;
  try {
    edge = await restoreEdge(backend, row.size);
  } catch (cause) {
    if (cause instanceof RunproofError) throw cause; // the backend's own (UNAVAILABLE: unreachable storage)
    throw new RunproofError('INCONSISTENT_LOG', `${backend.name} is corrupt: ${String(cause)}`, { cause, evidence: { checkpoint: row.note } });
  }
  const root = edge.root();
  if (!equalBytes(root, checkpoint.root)) {
    throw new RunproofError('INCONSISTENT_LOG', `${backend.name} is corrupt: its tiles give root ${toBase64(root)} at size ${row.size}, the checkpoint says ${toBase64(checkpoint.root)}`, {
      evidence: { checkpoint: row.note, root: toBase64(root) },
    });
  }
  return { latest: { signed: row.note, checkpoint }, edge };
}

/**
 * restoreEdge runs RightEdge.restore (synchronous) over the backend: a backend that reads
 * asynchronously has the blobs it asks for fetched first, and the restore runs again.
 */
async function restoreEdge(backend: LogBackend, size: number): Promise<RightEdge> {
  const fetched = new Map<string, Uint8Array | undefined>();
  for (;;) {
    let wanted: { level: number | 'entries'; idx: number } | undefined;
    try {
      return RightEdge.restore(size, (level, idx) => {
        const key = `${level}/${idx}`;
        if (fetched.has(key)) return fetched.get(key);
        const read = backend.readBlob(level, idx);
        if (!(read instanceof Promise)) return read;
        wanted = { level, idx };
        throw read;
      });
    } catch (e) {
      if (wanted === undefined || !(e instanceof Promise)) throw e;
      fetched.set(`${wanted.level}/${wanted.idx}`, await e);
    }
  }
}
