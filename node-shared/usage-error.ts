/**
 * The error for bad command-line usage, shared by the `runproof` commands and the Node helpers
 * that parse their flags (e.g. `--listen`); the CLI maps it to exit code 2.
 */

/** UsageError is thrown for bad command-line usage; it exits 2 and prints the command's help hint. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
