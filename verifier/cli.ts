#!/usr/bin/env node
/**
 * `runproof` — the third party's command-line toolkit. Each command lives in
 * `verifier/commands/<name>.ts` and exports `run(args: string[]): Promise<number>` (the exit code).
 * Commands are loaded lazily so `runproof identity` does not pay for SQLite or HTTP servers.
 */
import { EXIT, UsageError, exitCodeFor } from './exit.js';
import { RunproofError } from '../src/errors.js';

/** The commands, in the order `--help` lists them, with a one-line summary each. */
const COMMANDS: Record<string, string> = {
  identity: 'print the identity (or canonical form) of a run declaration',
  keygen: 'create a signing key for a log or a witness',
  submit: 'submit a declaration or identity to a log and save the receipt',
  verify: 'verify a receipt offline against a declaration or identity',
  consistency: 'prove that an old checkpoint is a prefix of the log now',
  audit: 'download the whole log and re-derive everything',
  inspect: 'print a receipt, checkpoint, key or trust policy in readable form',
  monitor: 'follow logs, gossip checkpoints with peers, catch split views',
  witness: 'run a C2SP tlog-witness that cosigns consistent checkpoints',
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([c, s]) => `  ${c.padEnd(width)}  ${s}`);
  return [
    'usage: runproof <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    "Run 'runproof <command> --help' for a command's options.",
    'Exit codes: 0 ok/verified, 1 verification failed (including an answer from the log that fails',
    "a check), 2 bad usage or the user's own input, 3 log unreachable or no usable answer.",
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === '--version') {
    process.stdout.write('runproof 0.1.0\n');
    return EXIT.OK;
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    throw new UsageError(`unknown command ${JSON.stringify(name)}; run 'runproof --help'`);
  }
  // Every command but these checks Ed25519 signatures: node:crypto first, the pure verdict always.
  if (name !== 'identity' && name !== 'keygen') (await import('../node-shared/native-ed25519.js')).installNativeEd25519();
  const mod = (await import(`./commands/${name}.js`)) as { run(args: string[]): Promise<number> };
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const msg = e instanceof RunproofError ? `runproof: ${e.code}: ${e.message}` : `runproof: ${e instanceof Error ? e.message : String(e)}`;
    process.stderr.write(msg + '\n');
    process.exitCode = exitCodeFor(e);
  },
);
