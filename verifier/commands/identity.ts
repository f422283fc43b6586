/**
 * `runproof identity` — derive a run identity locally, with no log involved (docs/specification.md):
 * strict parse → run-declaration/v1 schema → RFC 8785 canonical bytes → `sha256:<hex>`.
 *
 * `--canonical` prints the canonical bytes themselves, exactly and without a trailing newline,
 * so `runproof identity --canonical x.json | sha256sum` gives the identity's hex. Without
 * `--from` it canonicalises ANY strict JSON value (no schema check). `--from` maps a raw
 * provider request body to a declaration first (docs/specification.md §4).
 */
import { declarationIdentity, identityOfValue, type ValueIdentity } from '../../src/declaration/identity.js';
import { REQUEST_APIS } from '../../src/declaration/mappers.js';
import { parseStrictJson } from '../../src/json/strict.js';
import { mapToCanonical } from '../../client/map.js';
import { EXIT, UsageError } from '../exit.js';
import { FROM_OPTIONS, fromFlags, parseCommand, readFileArg } from '../output.js';

const HELP = `usage: runproof identity FILE|- [--canonical] [--json]
       runproof identity FILE|- --from API --provider NAME [--salt auto|none|SALT] [--header 'name: value']... [--canonical] [--json]

Prints the identity (sha256:<hex>) of a run declaration read from FILE, or - for standard
input. The declaration is parsed strictly (UTF-8, no BOM, no duplicate names, no lone
surrogates, integers within ±(2^53−1), no overflow/underflow, depth ≤ 64, text and
canonical form each ≤ 32 MiB) and checked against run-declaration/v1.

  --canonical          print the RFC 8785 canonical bytes instead, exactly, with no trailing
                       newline; without --from, of ANY strict JSON value (no schema check)
  --json               print {"identity":"sha256:…","canonical":"…"} and a newline
  --from API           FILE is a raw request body of API (${REQUEST_APIS.join(', ')});
                       map it to a declaration first
  --provider NAME      with --from: model.provider, e.g. openai, anthropic, aws.bedrock
  --salt auto|none|S   with --from: a fresh random 16-byte salt (default), none, or S itself
  --header 'N: V'      with --from: a request header (anthropic-version, anthropic-beta);
                       may be repeated; repeated names are joined with ", "
Errors name the JSON path and the rule. Exit codes: 0 ok, 2 bad usage or input.`;

/** run is the `runproof identity` command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand('identity', HELP, args, {
    canonical: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    ...FROM_OPTIONS,
  }, true);
  if (parsed === undefined) return EXIT.OK;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError("give exactly one FILE (or - for standard input); see 'runproof identity --help'");
  const from = fromFlags(values);
  const input = readFileArg(positionals[0]!, 'declaration');

  let result: ValueIdentity;
  if (from !== undefined) {
    result = declarationIdentity(mapToCanonical(from.api, input, from));
    if (from.salt === 'auto' && !values.canonical && !values.json) {
      process.stderr.write('runproof: note: the salt is random; use --canonical or --json to keep the declaration\n');
    }
  } else if (values.canonical) {
    result = identityOfValue(parseStrictJson(input));
  } else {
    result = declarationIdentity(input);
  }

  if (values.json) {
    const canonical = new TextDecoder().decode(result.canonical);
    process.stdout.write(JSON.stringify({ identity: result.identity, canonical }) + '\n');
  } else if (values.canonical) {
    process.stdout.write(result.canonical);
  } else {
    process.stdout.write(result.identity + '\n');
  }
  return EXIT.OK;
}
