/**
 * `runproof keygen` — create an Ed25519 signing key for a log (note signature type 0x01) or,
 * with `--witness`, for a witness (cosignature/v1, type 0x04); see docs/witness-and-monitor.md.
 *
 * The private key is written in the Go `sumdb/note` signer format
 * (`PRIVATE+KEY+<name>+<hex id>+base64(type ‖ seed)`) to a new file created with mode 0600;
 * an existing file is never overwritten unless `--force` is given, in which case the key is
 * written to a fresh 0600 file next to it and renamed over it (so the old file's permissions
 * are not inherited). The verifier key (`<name>+<hex id>+base64(type ‖ public key)`) is
 * printed on standard output, to hand to verifiers or to put in a tlog-policy.
 */
import { formatKeyId, parseSignerKey, SIG_COSIGNATURE_V1, SIG_ED25519, verifierKey } from '../../src/note/keys.js';
import { newKeyText, writeKeyFile } from '../../node-shared/key-file.js';
import { EXIT, UsageError } from '../exit.js';
import { parseCommand } from '../output.js';

const HELP = `usage: runproof keygen --name NAME --out FILE [--witness] [--force] [--json]

Creates a new Ed25519 key. The private key is written to FILE (mode 0600, Go note signer
format); the verifier key is printed on standard output.

  --name NAME    the key name: for a log, its origin (e.g. log.example.com/runs);
                 for a witness, a URL-like name (e.g. witness.example.com/w1).
                 No spaces and no '+'.
  --out FILE     where to write the private key (refuses to overwrite)
  --witness      a witness key (c2sp.org/tlog-cosignature cosignature/v1, type 0x04)
                 instead of a log key (Ed25519 note signatures, type 0x01)
  --force        replace FILE if it exists
  --json         print {name, keyId, type, vkey, out} as one JSON object
Exit codes: 0 ok, 2 bad usage or the file exists.`;

/** Writes the key file; an existing one only with --force. */
function saveKey(path: string, keyText: string, force: boolean): void {
  try {
    writeKeyFile(path, keyText, { force });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${path} exists; pass --force to replace it`);
    throw e;
  }
}

/** run is the `runproof keygen` command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand('keygen', HELP, args, {
    name: { type: 'string' },
    out: { type: 'string', short: 'o' },
    witness: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  if (parsed === undefined) return EXIT.OK;
  const { values } = parsed;
  if (values.name === undefined) throw new UsageError('--name NAME is required');
  if (values.out === undefined) throw new UsageError('--out FILE is required');
  const type = values.witness ? SIG_COSIGNATURE_V1 : SIG_ED25519;
  const skey = newKeyText(values.name, type);
  const signer = parseSignerKey(skey);
  const vkey = verifierKey(signer);
  saveKey(values.out, skey, values.force);

  if (values.json) {
    const result = {
      name: signer.name,
      keyId: formatKeyId(signer.keyId),
      type: type === SIG_ED25519 ? 'ed25519' : 'cosignature/v1',
      vkey,
      out: values.out,
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  } else {
    process.stdout.write(vkey + '\n');
    process.stderr.write(`private ${values.witness ? 'witness' : 'log'} key written to ${values.out} (keep it secret)\n`);
  }
  return EXIT.OK;
}
