/**
 * Shared plumbing of the `runproof` commands: argument parsing that fails as usage errors,
 * reading FILE or `-`, the trust root from `--vkey` / `--policy`, and printing results as
 * aligned text or one JSON object.
 *
 * Failure contract (docs/verifier.md): the exit code comes from {@link exitCodeFor}; details go to
 * standard error and its LAST line is always `runproof: <CODE>: <reason>`; with `--json` the
 * failure is also printed to standard output as `{"ok":false,…}`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RunproofError } from '../src/errors.js';
import { decodeUtf8 } from '../src/encoding/utf8.js';
import { REQUEST_APIS, type RequestApi } from '../src/declaration/mappers.js';
import { parsePolicy } from '../src/note/policy.js';
import type { ReceiptTrust } from '../src/receipt/verify.js';
import { UsageError, exitCodeFor } from './exit.js';

/** The options a command declares, in `node:util` parseArgs form. */
type CommandOptions = NonNullable<ParseArgsConfig['options']>;

/** `-h` / `--help`, which every command takes. */
const HELP_OPTION = { help: { type: 'boolean', short: 'h', default: false } } as const;

/** The parseArgs configuration {@link parseCommand} uses for a command's options `O`. */
type CommandConfig<O extends CommandOptions> = { args: string[]; options: O & typeof HELP_OPTION; allowPositionals: true; strict: true };

/** What {@link parseCommand} returns: the typed `values` and the `positionals`. */
export type ParsedCommand<O extends CommandOptions> = ReturnType<typeof parseArgs<CommandConfig<O>>>;

/** The `--from` options of `runproof identity` and `runproof submit`: a provider request body to declare. */
export const FROM_OPTIONS = {
  from: { type: 'string' },
  provider: { type: 'string' },
  salt: { type: 'string' },
  header: { type: 'string', multiple: true },
} as const;

/** A checked `--from` request: which API's body it is, and how to declare it. */
export interface FromFlags {
  api: RequestApi;
  provider: string;
  salt: string;
  headers: Record<string, string>;
}

/**
 * fromFlags checks the {@link FROM_OPTIONS} values: undefined without `--from` (and then none of
 * `--provider`, `--salt`, `--header` may be given); otherwise a known API and a provider, the
 * salt (default `auto`) and the headers.
 */
export function fromFlags(values: { from?: string | undefined; provider?: string | undefined; salt?: string | undefined; header?: string[] | undefined }): FromFlags | undefined {
  if (values.from === undefined) {
    if (values.provider !== undefined || values.salt !== undefined || values.header !== undefined) throw new UsageError('--provider, --salt and --header go with --from');
    return undefined;
  }
  if (!(REQUEST_APIS as readonly string[]).includes(values.from)) throw new UsageError(`--from must be one of ${REQUEST_APIS.join(', ')}`);
  if (values.provider === undefined) throw new UsageError('--from needs --provider NAME (e.g. openai, anthropic)');
  return { api: values.from as RequestApi, provider: values.provider, salt: values.salt ?? 'auto', headers: headerFlags(values.header ?? []) };
}

/**
 * parseCommand parses a command's arguments strictly (`node:util` parseArgs plus `-h/--help`).
 * An unknown or malformed option, or a positional argument when `positionals` is false, is a
 * usage error (exit 2) pointing at the command's help. With `--help` it prints `help` and
 * returns undefined: the command then exits 0.
 */
export function parseCommand<O extends CommandOptions>(command: string, help: string, args: string[], options: O, positionals = false): ParsedCommand<O> | undefined {
  let parsed: ParsedCommand<O>;
  try {
    parsed = parseArgs({ args, options: { ...options, ...HELP_OPTION }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${e instanceof Error ? e.message : String(e)}; see 'runproof ${command} --help'`);
  }
  if ((parsed.values as { help?: boolean }).help === true) {
    process.stdout.write(help + '\n');
    return undefined;
  }
  if (!positionals && parsed.positionals.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}; see 'runproof ${command} --help'`);
  }
  return parsed;
}

/** readFileArg reads FILE, or standard input for `-`; an unreadable file is a usage error (exit 2). */
export function readFileArg(file: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file === '-' ? 0 : file));
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${file === '-' ? 'from standard input' : file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * headerFlags turns repeated `--header 'name: value'` flags into a header record with lowercase
 * names (RFC 9110 §5: a token, a colon, optional whitespace around the value); repeated names
 * combine into one comma-separated value (RFC 9110 §5.3), as a `Headers` object would give them.
 */
function headerFlags(lines: string[]): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon);
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError(`--header ${JSON.stringify(line)}: want 'name: value'`);
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    out[key] = Object.hasOwn(out, key) ? `${out[key]}, ${value}` : value;
  }
  return out;
}

/** readTextArg reads FILE (or `-`) as strict UTF-8. */
export function readTextArg(file: string, what: string): string {
  return decodeUtf8(readFileArg(file, what), what);
}

/**
 * trustFromArgs returns the trust root from exactly one of `--vkey KEY` (the key text) and
 * `--policy FILE` (a c2sp.org/tlog-policy file).
 */
export function trustFromArgs(values: { vkey?: string | undefined; policy?: string | undefined }, command: string): ReceiptTrust {
  if ((values.vkey === undefined) === (values.policy === undefined)) {
    throw new UsageError(`give exactly one of --vkey KEY and --policy FILE; see 'runproof ${command} --help'`);
  }
  if (values.vkey !== undefined) return { vkey: values.vkey.trim() };
  return { policy: parsePolicy(readFileArg(values.policy!, 'policy')) };
}

/** iso writes a time in ms as an ISO 8601 UTC string. */
export function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `${ms} ms` : d.toISOString();
}

/** printFields writes `label  value` lines with the labels aligned. */
export function printFields(fields: [string, string][], out: (s: string) => void = (s) => process.stdout.write(s)): void {
  const width = Math.max(...fields.map(([k]) => k.length));
  for (const [k, v] of fields) out(`${k.padEnd(width)}  ${v}\n`);
}

/** printJson writes one JSON object and a newline to standard output. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/**
 * reportFailure prints a failed check — `what` names the step that failed — and returns the
 * exit code. Evidence goes to standard error (and into the JSON), the reason last. A usage
 * error is rethrown: the CLI prints it with the help hint and exits 2.
 */
export function reportFailure(e: unknown, what: string | undefined, json: boolean): number {
  if (e instanceof UsageError) throw e;
  const code = e instanceof RunproofError ? e.code : 'ERROR';
  const message = e instanceof Error ? e.message : String(e);
  const evidence = e instanceof RunproofError ? e.evidence : undefined;
  if (json) printJson({ ok: false, code, step: what ?? null, message, evidence: evidence ?? null });
  const lines: string[] = [];
  if (what !== undefined) lines.push(`FAILED: ${what}`);
  if (evidence !== undefined) {
    for (const [k, v] of Object.entries(evidence)) {
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      lines.push(text.includes('\n') ? `${k}:\n${text.replace(/^/gm, '    ').trimEnd()}` : `${k}: ${text}`);
    }
  }
  lines.push(`runproof: ${code}: ${message}`);
  process.stderr.write(lines.join('\n') + '\n');
  return exitCodeFor(e);
}
