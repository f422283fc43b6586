/**
 * `runproof inspect` — recognise a receipt (c2sp.org/tlog-proof), a signed checkpoint
 * (c2sp.org/tlog-checkpoint in a signed note), a verifier or signer key (c2sp.org/signed-note)
 * or a trust policy (c2sp.org/tlog-policy) and print it readably. Everything is parsed strictly;
 * nothing is verified (that is what verify, consistency and audit are for). A signer key's
 * secret is never printed, only its public half.
 */
import { RunproofError } from '../../src/errors.js';
import { toBase64 } from '../../src/encoding/base64.js';
import { formatIdentity } from '../../src/declaration/identity.js';
import { parseCheckpoint, type Checkpoint } from '../../src/note/checkpoint.js';
import { cosignatureTimestamp } from '../../src/note/cosignature.js';
import { decodeEntry } from '../../src/note/entry.js';
import { formatKeyId, parseSignerKey, parseVerifierKey, verifierKey, type NoteKey } from '../../src/note/keys.js';
import { parseNote, type NoteSignature } from '../../src/note/note.js';
import { parsePolicy, type TrustPolicy } from '../../src/note/policy.js';
import { SIG_COSIGNATURE_V1 } from '../../src/note/key-types.js';
import { TLOG_PROOF_HEADER, parseTlogProof } from '../../src/note/tlog-proof.js';
import { EXIT, UsageError } from '../exit.js';
import { iso, printFields, printJson, readTextArg, reportFailure, parseCommand } from '../output.js';

const HELP = `usage: runproof inspect FILE|- [--json]

Recognises and prints, without verifying anything:
  - a receipt (c2sp.org/tlog-proof): the entry (identity, time), index, proof length, checkpoint
  - a signed checkpoint: origin, tree size, root, and who signed (cosignature times)
  - a verifier key (name+hexkeyid+base64): name, key ID, type, public key
  - a signer key (PRIVATE+KEY+…): its name, key ID, type and verifier key — never the secret
  - a trust policy (c2sp.org/tlog-policy): logs, witnesses, groups, quorum

  --json   print the parsed fields as JSON
Exit codes: 0 ok, 2 unrecognised or malformed input.`;

type Kind = 'receipt' | 'checkpoint' | 'verifier-key' | 'signer-key' | 'policy';

/** kindOf guesses what the text is from its first line; the strict parser then decides. */
function kindOf(text: string): Kind {
  if (text.startsWith(TLOG_PROOF_HEADER + '\n')) return 'receipt';
  if (text.startsWith('PRIVATE+KEY+')) return 'signer-key';
  const firstWord = /^[ \t]*([^ \t\n#]+)/m.exec(text.replace(/^[ \t]*(#.*)?\n/gm, ''))?.[1];
  if (firstWord !== undefined && ['log', 'witness', 'group', 'quorum'].includes(firstWord)) return 'policy';
  if (text.includes('\n\n\u2014 ')) return 'checkpoint';
  if (/^[^\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+\n?$/.test(text)) return 'verifier-key';
  throw new RunproofError('MALFORMED_REQUEST', 'not a receipt, signed checkpoint, key or policy');
}

function keyType(type: number): string {
  return type === SIG_COSIGNATURE_V1 ? '0x04 (cosignature/v1, a witness key)' : '0x01 (Ed25519, a log key)';
}

function keyFields(k: NoteKey) {
  return { name: k.name, keyId: formatKeyId(k.keyId), type: k.type, publicKey: toBase64(k.publicKey), verifierKey: verifierKey(k) };
}

/** signatureFields describes a note signature; a 72-byte payload is read as a cosignature/v1. */
function signatureFields(s: NoteSignature) {
  const cosigned = s.signature.length === 72 ? cosignatureTimestamp(s.signature) : undefined;
  return { name: s.name, keyId: formatKeyId(s.keyId), kind: cosigned !== undefined ? 'cosignature/v1' : s.signature.length === 64 ? 'ed25519' : 'unknown', ...(cosigned !== undefined ? { time: iso(cosigned * 1000) } : {}) };
}

function checkpointFields(cp: Checkpoint) {
  return { origin: cp.origin, size: cp.size, root: toBase64(cp.root), extensions: cp.extensions };
}

function describe(kind: Kind, text: string): Record<string, unknown> {
  switch (kind) {
    case 'receipt': {
      const p = parseTlogProof(text);
      const note = parseNote(p.checkpoint);
      let entry: Record<string, unknown> | null = null;
      if (p.extra !== undefined) {
        const e = decodeEntry(p.extra);
        entry = { type: e.type, identity: formatIdentity(e.identity), time: iso(e.timestamp), timestamp: e.timestamp };
      }
      return { kind, index: p.index, entry, proofHashes: p.path.length, checkpoint: checkpointFields(parseCheckpoint(note.text)), signatures: note.signatures.map(signatureFields) };
    }
    case 'checkpoint': {
      const note = parseNote(text);
      return { kind, ...checkpointFields(parseCheckpoint(note.text)), signatures: note.signatures.map(signatureFields) };
    }
    case 'verifier-key':
      return { kind, ...keyFields(parseVerifierKey(text.trim())) };
    case 'signer-key':
      return { kind, ...keyFields(parseSignerKey(text.trim())) };
    case 'policy':
      return policyFields(parsePolicy(text));
  }
}

function policyFields(p: TrustPolicy): Record<string, unknown> {
  return {
    kind: 'policy',
    logs: p.logs.map((l) => ({ origin: l.verifier.name, key: verifierKey(l.verifier), ...(l.url !== undefined ? { url: l.url } : {}) })),
    witnesses: p.witnesses.map((w) => ({ name: w.name, key: verifierKey(w.verifier), ...(w.url !== undefined ? { url: w.url } : {}) })),
    groups: p.groups.map((g) => ({ name: g.name, threshold: g.threshold, members: g.members })),
    quorum: p.quorum,
  };
}

function printHuman(d: Record<string, unknown>): void {
  const fields: [string, string][] = [];
  const sigs = (list: ReturnType<typeof signatureFields>[]) =>
    list.map((s) => `${s.name}+${s.keyId} ${s.kind}${'time' in s ? ` at ${s.time}` : ''}`).join('\n' + ' '.repeat(12));
  switch (d.kind) {
    case 'receipt': {
      const e = d.entry as { identity: string; time: string } | null;
      const cp = d.checkpoint as ReturnType<typeof checkpointFields>;
      process.stdout.write('receipt (c2sp.org/tlog-proof), not verified\n');
      fields.push(['identity', e?.identity ?? '(no extra line: no entry)'], ['logged at', e?.time ?? '-'], ['index', String(d.index)], ['proof', `${String(d.proofHashes)} hashes`]);
      fields.push(['checkpoint', `${cp.origin}, tree size ${cp.size}, root ${cp.root}`], ['signatures', sigs(d.signatures as ReturnType<typeof signatureFields>[])]);
      break;
    }
    case 'checkpoint':
      process.stdout.write('signed checkpoint (c2sp.org/tlog-checkpoint), not verified\n');
      fields.push(['origin', String(d.origin)], ['tree size', String(d.size)], ['root', String(d.root)], ['signatures', sigs(d.signatures as ReturnType<typeof signatureFields>[])]);
      break;
    case 'verifier-key':
    case 'signer-key':
      process.stdout.write(d.kind === 'signer-key' ? 'signer key (secret not shown)\n' : 'verifier key\n');
      fields.push(['name', String(d.name)], ['key ID', String(d.keyId)], ['type', keyType(d.type as number)], ['public key', String(d.publicKey)], ['verifier key', String(d.verifierKey)]);
      break;
    case 'policy': {
      process.stdout.write('trust policy (c2sp.org/tlog-policy)\n');
      const logs = d.logs as { origin: string; key: string }[];
      const witnesses = d.witnesses as { name: string; key: string }[];
      const groups = d.groups as { name: string; threshold: number; members: string[] }[];
      for (const l of logs) fields.push(['log', `${l.origin}  ${l.key}`]);
      for (const w of witnesses) fields.push(['witness', `${w.name}  ${w.key}`]);
      for (const g of groups) fields.push(['group', `${g.name}: ${g.threshold} of ${g.members.join(', ')}`]);
      fields.push(['quorum', String(d.quorum)]);
      break;
    }
  }
  printFields(fields);
}

/** run is the `runproof inspect` command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand('inspect', HELP, args, { json: { type: 'boolean', default: false } }, true);
  if (parsed === undefined) return EXIT.OK;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError("give exactly one FILE (or - for standard input); see 'runproof inspect --help'");
  const json = values.json === true;
  try {
    const text = readTextArg(positionals[0]!, 'input');
    const d = describe(kindOf(text), text);
    if (json) printJson(d);
    else printHuman(d);
    return EXIT.OK;
  } catch (e) {
    return reportFailure(e, undefined, json);
  }
}
