/**
 * `runproof verify` — check a receipt offline (docs/verifier.md): the receipt, the declaration or
 * identity, and the trust root are all it reads; no network. The check itself is
 * `verifyReceipt` (src/receipt/verify.ts); this file only reads inputs and prints the verdict,
 * or which step failed and why.
 */
import type { ErrorCode } from '../../src/errors.js';
import { RunproofError } from '../../src/errors.js';
import { verifyReceipt, type ReceiptVerdict } from '../../src/receipt/verify.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chainLinkOf } from '../../src/declaration/mappers.js';
import { declarationIdentity } from '../../src/declaration/identity.js';
import { storeFileName } from '../../client/store.js';
import { EXIT, UsageError } from '../exit.js';
import { iso, parseCommand, printFields, printJson, readFileArg, reportFailure, trustFromArgs } from '../output.js';

const HELP = `usage: runproof verify --receipt FILE (--declaration FILE | --identity sha256:HEX) (--vkey KEY | --policy FILE) [--chain DIR] [--json]

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
  --chain DIR          also walk the chain of turns back from this one: while a declaration
                       names the run it continues (extension org.runproof.chain/v1), read
                       that run's sha256-<hex>.json and .tlog-proof from DIR (a runproof/client
                       receipt store) and verify them the same way; a turn missing from
                       DIR is missing input (exit 2)
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

/** One verified earlier turn of a chain. */
interface ChainStep {
  previousResponseId: string;
  identity: string;
  index: number;
  loggedAt: string;
}

/** The longest chain walked (a guard: identities are hashes, so a cycle cannot be built). */
const MAX_CHAIN = 100_000;

/**
 * walkChain follows the chain links back from `declaration`, verifying each earlier turn's
 * stored declaration and receipt; returns the turns, newest first.
 * @throws RunproofError NOT_FOUND when a named turn is not in the store, or what verification throws
 */
function walkChain(dir: string, declaration: Uint8Array, trust: Parameters<typeof verifyReceipt>[0]['trust']): ChainStep[] {
  const steps: ChainStep[] = [];
  let link = chainLinkOf(declarationIdentity(declaration).declaration);
  while (link !== undefined) {
    if (steps.length >= MAX_CHAIN) throw new RunproofError('TOO_LARGE', `chain: more than ${MAX_CHAIN} turns`);
    const base = join(dir, storeFileName(link.identity));
    if (!existsSync(`${base}.json`) || !existsSync(`${base}.tlog-proof`)) {
      throw new RunproofError('NOT_FOUND', `chain: the turn that produced ${link.previous_response_id} (${link.identity}) is not in ${dir}`, { evidence: { ...link } });
    }
    const earlier = new Uint8Array(readFileSync(`${base}.json`));
    const verdict = verifyReceipt({ receipt: readFileSync(`${base}.tlog-proof`, 'utf8'), identity: link.identity, declaration: earlier, trust });
    steps.push({ previousResponseId: link.previous_response_id, identity: verdict.identity, index: verdict.index, loggedAt: iso(verdict.timestamp) });
    link = chainLinkOf(declarationIdentity(earlier).declaration);
  }
  return steps;
}

function printChain(chain: ChainStep[]): void {
  process.stdout.write(`chain: ${chain.length} earlier turn${chain.length === 1 ? '' : 's'} verified, newest first\n`);
  for (const s of chain) process.stdout.write(`  ${s.previousResponseId}  ${s.identity}  index ${s.index}  logged at ${s.loggedAt}\n`);
}

/** run is the `runproof verify` command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand('verify', HELP, args, {
    receipt: { type: 'string' },
    declaration: { type: 'string' },
    identity: { type: 'string' },
    vkey: { type: 'string' },
    policy: { type: 'string' },
    chain: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (parsed === undefined) return EXIT.OK;
  const { values } = parsed;
  if (values.receipt === undefined) throw new UsageError("--receipt FILE is required; see 'runproof verify --help'");
  if (values.declaration === undefined && values.identity === undefined) {
    throw new UsageError("give --declaration FILE or --identity sha256:HEX; see 'runproof verify --help'");
  }
  if (values.receipt === '-' && values.declaration === '-') throw new UsageError('only one of --receipt and --declaration can be standard input');
  if (values.chain !== undefined && values.declaration === undefined) throw new UsageError('--chain needs --declaration: the link to the previous turn is in the declaration');
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
    const chain = values.chain !== undefined ? walkChain(values.chain, declaration!, trust) : undefined;
    if (json) printJson({ ok: true, ...verdict, loggedAt: iso(verdict.timestamp), ...(chain !== undefined ? { chain } : {}) });
    else {
      printVerdict(verdict);
      if (chain !== undefined) printChain(chain);
    }
    return EXIT.OK;
  } catch (e) {
    return reportFailure(e, stepOf(e), json);
  }
}
