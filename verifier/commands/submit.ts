/**
 * `runproof submit` — send a run declaration (or only its identity) to a log and save the
 * receipt (docs/client.md, docs/verifier.md). The declaration is checked locally first (strict parse, schema,
 * identity), the log's answer must name the same identity, and with `--vkey` the receipt is
 * verified offline before the command reports OK.
 *
 * Steps: read input → submit → check the answer → verify (with --vkey) → write the receipt.
 * A receipt that fails verification is not written.
 */
import { writeFileSync } from 'node:fs';
import { declarationIdentity, parseIdentity } from '../../src/declaration/identity.js';
import { RunproofError } from '../../src/errors.js';
import { verifyReceipt, type ReceiptVerdict } from '../../src/receipt/verify.js';
import { storeFileName } from '../../client/store.js';
import { mapToCanonical } from '../../client/map.js';
import { submitDeclaration, submitIdentity, type SubmitAnswer } from '../../client/submit.js';
import { EXIT, UsageError } from '../exit.js';
import { FROM_OPTIONS, fromFlags, parseCommand, readFileArg, type FromFlags } from '../output.js';

const HELP = `usage: runproof submit FILE|- --log URL [options]
       runproof submit --identity sha256:HEX --log URL [options]
       runproof submit REQUEST.json --from API --provider NAME --log URL [options]

Submits a run declaration (FILE, or - for standard input) to a runproof log and saves the
receipt (a c2sp.org/tlog-proof). The declaration is parsed strictly and its identity derived
locally; only the canonical bytes are sent. With only --identity, just the identity is sent
(the log then cannot check the declaration).

  --log URL            the log's URL prefix, e.g. http://127.0.0.1:8080
  --identity ID        sha256:<hex>; with FILE, the declaration must have this identity
  --vkey KEY           the log's verifier key: verify the receipt before saying OK
  -o, --out FILE       where to write the receipt (default ./sha256-<hex>.tlog-proof)
  --token T            bearer token for logs that require one (or RUNPROOF_TOKEN)
  --json               print the result as one JSON object

With --from, FILE is a provider request body as sent over HTTP, not a declaration; it is mapped
to a run declaration first (docs/specification.md §4) and the canonical declaration is
written next to the receipt (same name, .json instead of .tlog-proof) — keep both: with a salt,
the declaration cannot be rebuilt from the request.
  --from API           openai-chat, openai-responses or anthropic
  --provider NAME      model.provider of the declaration, e.g. openai
  --salt auto|none|S   a fresh random salt (default), no salt, or this base64url salt
  --header 'NAME: V'   a request header that the mapping reads (anthropic-version,
                       anthropic-beta); repeatable
Exit codes: 0 ok, 1 the receipt does not verify or the log's answer fails a check (not JSON,
too large), 2 bad usage or input (including the log refusing it), 3 log unreachable.`;

/** What is being submitted. */
interface Input {
  identity: string;
  /** Canonical declaration bytes, when a declaration was given. */
  canonical?: Uint8Array;
  /** The declaration as given, for offline verification. */
  declaration?: Uint8Array;
}

/** readInput reads FILE (or stdin) and/or --identity and derives the identity locally. */
function readInput(file: string | undefined, identityFlag: string | undefined): Input {
  if (file === undefined) {
    if (identityFlag === undefined) throw new UsageError('give a declaration FILE (or -) or --identity sha256:HEX; see --help');
    parseIdentity(identityFlag);
    return { identity: identityFlag };
  }
  const declaration = readFileArg(file, 'declaration');
  const { identity, canonical } = declarationIdentity(declaration);
  if (identityFlag !== undefined && identityFlag !== identity) {
    throw new RunproofError('ENTRY_MISMATCH', `the declaration's identity is ${identity}, not ${identityFlag}`);
  }
  return { identity, canonical, declaration };
}

/**
 * readRequestInput reads a provider request body (`--from`) and maps it to a declaration.
 * @throws RunproofError MAPPING_REJECTED or MAPPING_INVALID when the request cannot be declared
 *   faithfully
 */
function readRequestInput(file: string | undefined, from: FromFlags): Input {
  if (file === undefined) throw new UsageError('--from needs the request body FILE (or -)');
  const canonical = mapToCanonical(from.api, readFileArg(file, 'request body'), from);
  const { identity } = declarationIdentity(canonical);
  return { identity, canonical, declaration: canonical };
}

/** declarationPath names the declaration file written beside a receipt (`--from`). */
function declarationPath(receiptPath: string): string {
  return receiptPath.endsWith('.tlog-proof') ? `${receiptPath.slice(0, -'.tlog-proof'.length)}.json` : `${receiptPath}.json`;
}

/** run is the `runproof submit` command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand('submit', HELP, args, {
    log: { type: 'string' },
    identity: { type: 'string' },
    vkey: { type: 'string' },
    out: { type: 'string', short: 'o' },
    token: { type: 'string' },
    json: { type: 'boolean', default: false },
    ...FROM_OPTIONS,
  }, true);
  if (parsed === undefined) return EXIT.OK;
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError('give at most one declaration FILE');
  if (values.log === undefined) throw new UsageError('--log URL is required');
  const from = fromFlags(values);
  if (from !== undefined && values.identity !== undefined) throw new UsageError('--from and --identity do not go together');
  const input = from !== undefined ? readRequestInput(positionals[0], from) : readInput(positionals[0], values.identity);
  const token = values.token ?? process.env['RUNPROOF_TOKEN'];
  // A person at a terminal can wait longer for a slow log than an SDK call should.
  const opts = { log: values.log, timeoutMs: 30_000, ...(token !== undefined && token !== '' ? { token } : {}) };

  const answer: SubmitAnswer = input.canonical !== undefined ? await submitDeclaration(input.canonical, opts) : await submitIdentity(input.identity, opts);
  if (answer.identity !== input.identity) {
    throw new RunproofError('ENTRY_MISMATCH', `the log answered for ${answer.identity}, but ${input.identity} was submitted`, {
      evidence: { answer },
    });
  }
  let verdict: ReceiptVerdict | undefined;
  if (values.vkey !== undefined) {
    verdict = verifyReceipt({
      receipt: answer.receipt,
      ...(input.declaration !== undefined ? { declaration: input.declaration } : { identity: input.identity }),
      trust: { vkey: values.vkey },
    });
    if (verdict.index !== answer.index) {
      throw new RunproofError('ENTRY_MISMATCH', `the log said index ${answer.index}, its receipt proves index ${verdict.index}`);
    }
  }
  const out = values.out ?? `${storeFileName(input.identity)}.tlog-proof`;
  const declarationOut = from !== undefined ? declarationPath(out) : undefined;
  if (declarationOut !== undefined) writeFileSync(declarationOut, input.canonical!);
  writeFileSync(out, answer.receipt);

  if (values.json) {
    const result = {
      identity: answer.identity,
      index: answer.index,
      timestamp: answer.timestamp,
      duplicate: answer.duplicate,
      receipt: out,
      ...(declarationOut !== undefined ? { declaration: declarationOut } : {}),
      verified: verdict !== undefined,
      ...(verdict !== undefined ? { origin: verdict.origin, treeSize: verdict.treeSize } : {}),
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  } else {
    const what = answer.duplicate ? 'already logged' : 'logged';
    process.stdout.write(`${answer.identity} ${what} at index ${answer.index} (${new Date(answer.timestamp).toISOString()})\n`);
    if (declarationOut !== undefined) process.stdout.write(`declaration written to ${declarationOut}\n`);
    process.stdout.write(`receipt written to ${out}\n`);
    process.stdout.write(
      verdict !== undefined
        ? `OK: receipt verified against ${verdict.origin} (tree size ${verdict.treeSize})\n`
        : 'receipt not verified (pass --vkey to verify it)\n',
    );
  }
  return EXIT.OK;
}
