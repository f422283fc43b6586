/**
 * `runproof consistency` — prove that an old signed checkpoint is a prefix of the log now (or of
 * a given newer checkpoint): RFC 9162 §2.1.4 consistency, with the proof computed from the log's
 * tiles (or read from a file) and verified against BOTH signed roots, so a wrong tile can only
 * make the check fail, never pass. Both checkpoints must be signed by the log; the current one
 * fetched from --log must also meet a policy's witness quorum.
 */
import { readFromLog, RunproofError } from '../../src/errors.js';
import { fromBase64 } from '../../src/encoding/base64.js';
import type { Hash } from '../../src/merkle/hash.js';
import { verifyCheckpoint } from '../../src/receipt/verify.js';
import { checkConsistency, proveConsistencyFromLog } from '../consistency.js';
import { LogClient } from '../log-client.js';
import { EXIT, UsageError } from '../exit.js';
import { parseCommand, printFields, printJson, readTextArg, reportFailure, trustFromArgs } from '../output.js';

const HELP = `usage: runproof consistency (--log URL | --proof FILE) (--vkey KEY | --policy FILE) --old CHECKPOINT_FILE [--new CHECKPOINT_FILE] [--json]

Proves that the old checkpoint's tree is a prefix of the newer one: the log only appended.

  --old FILE      a signed checkpoint saved earlier (e.g. from a receipt or a monitor)
  --new FILE      the newer signed checkpoint; default: the log's current one (needs --log)
  --log URL       the log's URL prefix: fetch the current checkpoint and compute the proof
                  from its hash tiles (c2sp.org/tlog-tiles)
  --proof FILE    check offline with this proof: one base64 hash per line (needs --new)
  --vkey KEY      the log's verifier key, name+hexkeyid+base64
  --policy FILE   a c2sp.org/tlog-policy file; the checkpoint fetched from --log must meet
                  its witness quorum, saved checkpoints need only the log's signature
  --json          print the result (or the evidence) as JSON
Two checkpoints of the same size with different roots are inconsistent. On failure both
signed checkpoints and the proof are printed as evidence anyone can re-check.
Exit codes: 0 consistent, 1 inconsistent, a signature or proof fails, or the log's answer fails
a check (reason on the last line of standard error), 2 bad usage or the user's own input (flags,
files), 3 log unreachable or no usable answer.`;

/** parseProofFile reads one canonical base64 SHA-256 hash per line. */
function parseProofFile(text: string): Hash[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line, i) => {
    try {
      return fromBase64(line, 32, 'proof hash');
    } catch (cause) {
      throw new RunproofError('MALFORMED_PROOF', 'proof line is not base64 of a 32-byte hash', { path: `line ${i + 1}`, cause });
    }
  });
}

/** run is the `runproof consistency` command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand('consistency', HELP, args, {
    log: { type: 'string' },
    proof: { type: 'string' },
    old: { type: 'string' },
    new: { type: 'string' },
    vkey: { type: 'string' },
    policy: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (parsed === undefined) return EXIT.OK;
  const { values } = parsed;
  if ((values.log === undefined) === (values.proof === undefined)) throw new UsageError("give exactly one of --log URL and --proof FILE; see 'runproof consistency --help'");
  if (values.old === undefined) throw new UsageError("--old CHECKPOINT_FILE is required; see 'runproof consistency --help'");
  if (values.proof !== undefined && values.new === undefined) throw new UsageError('--proof needs --new CHECKPOINT_FILE');
  const json = values.json === true;
  let step = 'the old checkpoint';
  try {
    const trust = trustFromArgs(values, 'consistency');
    const oldCp = verifyCheckpoint(readTextArg(values.old, 'old checkpoint'), trust, { quorum: false }).opened;
    const client = values.log !== undefined ? new LogClient(values.log) : undefined;
    step = 'the new checkpoint';
    // A checkpoint the log sent that does not verify is a failed verification (exit 1), one the
    // user passed is bad input (exit 2): verifier/exit.ts.
    const newCp =
      values.new !== undefined
        ? verifyCheckpoint(readTextArg(values.new, 'new checkpoint'), trust, { quorum: false }).opened
        : await readFromLog(async () => verifyCheckpoint(await client!.checkpoint(), trust, { quorum: true }).opened);
    step = 'consistency';
    const proof = client !== undefined ? await proveConsistencyFromLog(client, oldCp, newCp) : parseProofFile(readTextArg(values.proof!, 'proof'));
    checkConsistency(oldCp, newCp, proof);
    const o = oldCp.checkpoint;
    const n = newCp.checkpoint;
    const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');
    if (json) {
      printJson({
        ok: true,
        origin: o.origin,
        old: { size: o.size, root: b64(o.root) },
        new: { size: n.size, root: b64(n.root), checkpoint: newCp.note },
        proof: proof.map(b64),
      });
    } else {
      const relation =
        o.size === n.size ? `both checkpoints are the same tree of size ${o.size}` : o.size < n.size ? `tree ${o.size} is a prefix of tree ${n.size}` : `the new checkpoint (size ${n.size}) is OLDER than --old; it is a prefix of it`;
      process.stdout.write(`OK: consistent: ${relation}\n`);
      printFields([
        ['log', o.origin],
        ['old', `size ${o.size}, root ${b64(o.root)}`],
        ['new', `size ${n.size}, root ${b64(n.root)}`],
        ['proof', `${proof.length} hashes`],
      ]);
    }
    return EXIT.OK;
  } catch (e) {
    return reportFailure(e, step, json);
  }
}
