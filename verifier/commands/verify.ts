/**
 * `runproof verify` — check a receipt offline (design §5, §9): the receipt, the declaration or
 * identity, and the trust root are all it reads; no network. The check itself is
 * `verifyReceipt` (src/receipt/verify.ts); this file only reads inputs and prints the verdict,
 * or which step failed and why.
 */
import type { ErrorCode } from '../../src/errors.js';
import { RunproofError } from '../../src/errors.js';
import { verifyReceipt, type ReceiptVerdict } from '../../src/receipt/verify.js';
import { EXIT, UsageError } from '../exit.js';
import { iso, parseCommand, printFields, printJson, readFileArg, reportFailure, trustFromArgs } from '../output.js';

const HELP = `usage: runproof verify --receipt FILE (--declaration FILE | --identity sha256:HEX) (--vkey KEY | --policy FILE) [--json]

Verifies a receipt (a c2sp.org/tlog-proof) offline and prints what it proves: the run
identity, its index in the log, when the log sequenced it, the checkpoint it is proven in
(origin, tree size, root) and the witnesses that cosigned it. Steps, in order:
  1 parse the receipt strictly
  2 derive the identity from the declaration (strict parse, schema, RFC 8785, SHA-256),
    or take --identity
  3 the entry in the receipt's extra line must carry that identity
  4 hash the entry as a Merkle leaf
  5 the checkpoint must be signed by the log (and meet the policy's witness quorum)
  6 the inclusion proof must lead from the leaf to the signed root

  --receipt FILE       the .tlog-proof file, or - for standard input
  --declaration FILE   the run declaration (or -); its identity is derived strictly
  --identity ID        sha256:<64 hex>, when the declaration is kept private
                       (with --declaration too, both must agree)
  --vkey KEY           the log's verifier key, name+hexkeyid+base64
  --policy FILE        a c2sp.org/tlog-policy file (log keys, witnesses, quorum)
  --json               print the verdict (or the failure) as JSON
Exit codes: 0 verified, 1 verification failed (reason on the last line of standard error),
2 bad usage or malformed input.`;

/** The step each error code belongs to (the numbering of the help text). */
const STEPS: [string, ErrorCode[]][] = [
  ['step 1: receipt format', ['MALFORMED_PROOF', 'MALFORMED_ENCODING']],
  ['step 2: run identity', ['JSON_SYNTAX', 'JSON_INVALID_UTF8', 'JSON_BOM', 'JSON_DUPLICATE_KEY', 'JSON_LONE_SURROGATE', 'JSON_UNSAFE_INTEGER', 'JSON_NUMBER_OVERFLOW', 'JSON_NUMBER_UNDERFLOW', 'JSON_TOO_DEEP', 'JSON_TOO_LARGE', 'JSON_NOT_PLAIN', 'DECLARATION_INVALID', 'IDENTITY_MALFORMED', 'MALFORMED_REQUEST']],
  ['step 3: log entry', ['MALFORMED_ENTRY', 'ENTRY_MISMATCH']],
  ['step 5: checkpoint signature', ['MALFORMED_NOTE', 'MALFORMED_CHECKPOINT', 'MALFORMED_COSIGNATURE', 'ORIGIN_MISMATCH', 'UNKNOWN_KEY', 'INVALID_SIGNATURE', 'NO_VERIFIED_SIGNATURE', 'MALFORMED_KEY']],
  ['step 5: witness quorum', ['QUORUM_NOT_MET']],
  ['step 6: inclusion proof', ['PROOF_FAILED']],
];

function stepOf(e: unknown): string | undefined {
  if (!(e instanceof RunproofError)) return undefined;
  return STEPS.find(([, codes]) => codes.includes(e.code))?.[0];
}

function printVerdict(v: ReceiptVerdict): void {
  process.stdout.write('OK: the receipt proves this run was declared in the log\n');
  printFields([
    ['identity', v.identity],
    ['index', String(v.index)],
    ['logged at', iso(v.timestamp)],
    ['checkpoint', `${v.origin}, tree size ${v.treeSize}, root ${v.root}`],
    ['witnesses', v.witnesses.length === 0 ? 'none (no witness quorum required)' : v.witnesses.map((w) => `${w.name} at ${iso(w.timestamp)}`).join('; ')],
  ]);
}

/** run is the `runproof verify` command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand('verify', HELP, args, {
    receipt: { type: 'string' },
    declaration: { type: 'string' },
    identity: { type: 'string' },
    vkey: { type: 'string' },
    policy: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (parsed === undefined) return EXIT.OK;
  const { values } = parsed;
  if (values.receipt === undefined) throw new UsageError("--receipt FILE is required; see 'runproof verify --help'");
  if (values.declaration === undefined && values.identity === undefined) {
    throw new UsageError("give --declaration FILE or --identity sha256:HEX; see 'runproof verify --help'");
  }
  if (values.receipt === '-' && values.declaration === '-') throw new UsageError('only one of --receipt and --declaration can be standard input');
  const json = values.json === true;
  try {
    const trust = trustFromArgs(values, 'verify');
    const receipt = readFileArg(values.receipt, 'receipt');
    const declaration = values.declaration !== undefined ? readFileArg(values.declaration, 'declaration') : undefined;
    const verdict = verifyReceipt({
      receipt,
      ...(values.identity !== undefined ? { identity: values.identity } : {}),
      ...(declaration !== undefined ? { declaration } : {}),
      trust,
    });
    if (json) printJson({ ok: true, ...verdict, loggedAt: iso(verdict.timestamp) });
    else printVerdict(verdict);
    return EXIT.OK;
  } catch (e) {
    return reportFailure(e, stepOf(e), json);
  }
}
