#!/usr/bin/env node
/**
 * `runproof-log` — the operator's log server (docs/log-server.md).
 *
 *     runproof-log serve [options]     run the log (see `runproof-log serve --help`)
 *     runproof-log migrate --from FILE --to URL [--key FILE]
 *                                      copy a SQLite log into PostgreSQL, checked by its root
 *     runproof-log publish [options]   export the log as static files (see `runproof-log publish --help`)
 *
 * Start-up prints `key: value` lines (origin, verifier key, URLs); the last one is
 * `listening: <url>`, printed once the server accepts connections. SIGTERM or SIGINT stops it
 * gracefully: no new connections, requests in flight answered, sequencer flushed, exit 0.
 * Exit codes: 0 stopped cleanly, 1 runtime failure, 2 bad usage or configuration.
 */
import { ConfigError, MIGRATE_HELP, parseMigrateArgs, parseServeConfig, SERVE_HELP } from './config.js';
import { readKeyFile } from './keyfile.js';
import { importSqlite } from './storage/postgres/import-sqlite.js';
import { describeUrl } from './storage/postgres/url.js';
import { startLogServer } from './http/server.js';
import { publishCommand } from './publish/command.js';
import { RunproofError } from '../src/errors.js';
import { installNativeEd25519 } from '../node-shared/native-ed25519.js';

const USAGE = [
  'usage: runproof-log serve [options]',
  '       runproof-log migrate --from FILE --to URL [--key FILE]',
  '       runproof-log publish --db FILE (--to DIR | --s3 s3://BUCKET/PREFIX)',
  '',
  "Run 'runproof-log <command> --help' (serve, migrate, publish) for the options.",
].join('\n');

function print(line: string): void {
  process.stdout.write(line + '\n');
}

async function serveCommand(args: string[]): Promise<number> {
  const cfg = parseServeConfig(args, process.env);
  if (cfg === 'help') {
    print(SERVE_HELP);
    return 0;
  }
  const server = await startLogServer(cfg, print);
  // Handlers go in before "listening:" is printed: whoever waits for that line may signal at once.
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write(`runproof-log: ${signal} again, exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      process.stderr.write(`runproof-log: ${signal}: stopping\n`);
      server.close().then(
        () => resolve(0),
        (e: unknown) => {
          process.stderr.write(`runproof-log: error while stopping: ${e instanceof Error ? e.message : String(e)}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  print(`origin: ${server.origin}`);
  print(`verifier key: ${server.vkey}`);
  print(`tree size: ${server.log.size}`);
  print(`checkpoint: ${server.url}/checkpoint`);
  print(`submit: POST ${server.url}/v1/declarations`);
  print(`api: ${server.url}/openapi.json`);
  print(`listening: ${server.url}`);
  return stopped;
}

async function migrateCommand(args: string[]): Promise<number> {
  const opts = parseMigrateArgs(args);
  if (opts === 'help') {
    print(MIGRATE_HELP);
    return 0;
  }
  const report = await importSqlite(opts.from, opts.to, readKeyFile(opts.key));
  print(`origin: ${report.origin}`);
  print(`tree size: ${report.size}`);
  print(`checkpoints: ${report.checkpoints}`);
  print(`root (SQLite, signed): ${report.sqliteRoot}`);
  print(`root (PostgreSQL, recomputed): ${report.postgresRoot}`);
  print(`migrated: ${describeUrl(opts.to)}`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Witness cosignatures (and a migrated log's checkpoints) are checked with node:crypto first.
  installNativeEd25519();
  if (command === '--help' || command === '-h' || command === 'help') {
    print(USAGE);
    return 0;
  }
  if (command === '--version') {
    print('runproof-log 0.1.0');
    return 0;
  }
  if (command === 'publish') return publishCommand(rest, print);
  if (command === 'migrate') return migrateCommand(rest);
  if (command !== 'serve') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  return serveCommand(rest);
}

/** exitSoon sets the exit code and, if some library still holds the event loop once everything is closed, exits anyway. */
function exitSoon(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1000).unref();
}

main(process.argv.slice(2)).then(
  (code) => exitSoon(code),
  (e: unknown) => {
    if (e instanceof ConfigError) {
      process.stderr.write(`runproof-log: ${e.message}\n`);
      process.exitCode = 2;
    } else if (e instanceof RunproofError) {
      process.stderr.write(`runproof-log: ${e.code}: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`runproof-log: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    }
    // A refused command (e.g. migrate into a database that holds a log) may leave a client
    // library's timers behind: it must exit with its code, not hang.
    exitSoon(process.exitCode);
  },
);
