import { describe, expect, test } from 'vitest';
import { checkQuorum, parsePolicy, policyCosigners, policyLogVerifier, policyLogVerifiers, type TrustPolicy } from '../../src/note/policy.js';
import { toVerifier, verifierKey, type Signer } from '../../src/note/keys.js';
import { RunproofError } from '../../src/errors.js';
import { codeOf, loadVector, logSigner, witnessSigner } from './helpers.js';

const spec = loadVector('c2sp-spec-examples.json');

const log = logSigner('log.example');
const W: Record<string, Signer> = {};
for (const n of ['X1', 'X2', 'X3', 'Y1', 'Y2', 'Y3']) W[n] = witnessSigner(`${n.toLowerCase()}.witness.example`);

/** The spec's example policy with its <vkey> placeholders filled in order. */
function specPolicyText(): string {
  const keys = [log, W.X1!, W.X2!, W.X3!, W.Y1!, W.Y2!, W.Y3!].map(verifierKey);
  let i = 0;
  return (spec.policyExample.text as string).replace(/<vkey>/g, () => keys[i++]!);
}

function quorumError(p: TrustPolicy, cosigned: Iterable<string | { name: string; keyId: number }>): RunproofError | undefined {
  try {
    checkQuorum(p, cosigned);
    return undefined;
  } catch (e) {
    return e as RunproofError;
  }
}
const names = (...ws: string[]) => ws.map((w) => W[w]!.name);

describe('tlog-policy spec example (2 of X, any of Y, all of both)', () => {
  const p = parsePolicy(specPolicyText());

  test('structure', () => {
    expect(p.logs.length).toBe(1);
    expect(p.witnesses.map((w) => w.name)).toEqual(['X1', 'X2', 'X3', 'Y1', 'Y2', 'Y3']);
    expect(p.groups).toEqual([
      { name: 'X-witnesses', threshold: 2, members: ['X1', 'X2', 'X3'] },
      { name: 'Y-witnesses', threshold: 1, members: ['Y1', 'Y2', 'Y3'] },
      { name: 'X-and-Y', threshold: 2, members: ['X-witnesses', 'Y-witnesses'] },
    ]);
    expect(p.quorum).toBe('X-and-Y');
    expect(policyCosigners(p).map((v) => v.keyId)).toEqual(['X1', 'X2', 'X3', 'Y1', 'Y2', 'Y3'].map((n) => W[n]!.keyId));
    expect(policyLogVerifier(p, 'log.example').keyId).toBe(log.keyId);
  });

  test('quorum met: two X and one Y', () => {
    expect(quorumError(p, names('X1', 'X3', 'Y2'))).toBeUndefined();
    expect(quorumError(p, names('X1', 'X2', 'X3', 'Y1', 'Y2', 'Y3'))).toBeUndefined();
  });

  test('quorum not met: only one X → X-witnesses and X-and-Y fail', () => {
    const e = quorumError(p, names('X1', 'Y1', 'Y2', 'Y3'));
    expect(e?.code).toBe('QUORUM_NOT_MET');
    expect(e?.evidence?.failedGroups).toEqual(['X-witnesses', 'X-and-Y']);
    expect(e?.evidence?.cosigned).toEqual(['X1', 'Y1', 'Y2', 'Y3']);
  });

  test('quorum not met: no Y', () => {
    expect(quorumError(p, names('X1', 'X2', 'X3'))?.evidence?.failedGroups).toEqual(['Y-witnesses', 'X-and-Y']);
  });

  test('unknown cosigners and the policy-local names do not count', () => {
    expect(quorumError(p, ['stranger.example', 'X1', 'X2', 'Y1'])?.code).toBe('QUORUM_NOT_MET');
    expect(quorumError(p, [])?.code).toBe('QUORUM_NOT_MET');
  });

  test('matching by (name, keyId): a right name with a wrong key ID does not count', () => {
    const good = ['X1', 'X2', 'Y1'].map((n) => ({ name: W[n]!.name, keyId: W[n]!.keyId }));
    expect(quorumError(p, good)).toBeUndefined();
    expect(quorumError(p, [good[0]!, good[1]!, { ...good[2]!, keyId: (good[2]!.keyId + 1) % 2 ** 32 }])?.code).toBe('QUORUM_NOT_MET');
  });
});

describe('quorum forms', () => {
  const w = (n: string) => `witness ${n} ${verifierKey(W[n]!)}\n`;
  const lg = `log ${verifierKey(log)}\n`;

  test('quorum none', () => {
    const p = parsePolicy(lg + 'quorum none\n');
    expect(quorumError(p, [])).toBeUndefined();
  });

  test('quorum naming a single witness', () => {
    const p = parsePolicy(lg + w('X1') + w('X2') + 'quorum X2\n');
    expect(quorumError(p, names('X2'))).toBeUndefined();
    expect(quorumError(p, names('X1'))?.code).toBe('QUORUM_NOT_MET');
  });

  test('k-of-n thresholds, all and any, three levels deep', () => {
    const text =
      lg +
      ['X1', 'X2', 'X3', 'Y1', 'Y2', 'Y3'].map(w).join('') +
      'group a 2 X1 X2 X3\n' +
      'group b all Y1 Y2\n' +
      'group c any a b\n' +
      'group d 2 c Y3\n' +
      'quorum d\n';
    const p = parsePolicy(text);
    expect(quorumError(p, names('X1', 'X2', 'Y3'))).toBeUndefined();
    expect(quorumError(p, names('Y1', 'Y2', 'Y3'))).toBeUndefined();
    expect(quorumError(p, names('Y1', 'Y3', 'X1'))?.evidence?.failedGroups).toEqual(['a', 'b', 'c', 'd']);
    expect(quorumError(p, names('X1', 'X2', 'Y1', 'Y2'))?.evidence?.failedGroups).toEqual(['d']);
  });

  test('comments, blank lines, tabs, leading/trailing whitespace, URLs, missing final newline', () => {
    const text = `# a policy\n\n  \t\n\tlog  ${verifierKey(log)}\thttps://log.example/  \n  # indented comment\nwitness X1 ${verifierKey(W.X1!)} https://w.example/\nquorum X1`;
    const p = parsePolicy(text);
    expect(p.logs[0]!.url).toBe('https://log.example/');
    expect(p.witnesses[0]!.url).toBe('https://w.example/');
    expect(parsePolicy(Buffer.from(text)).quorum).toBe('X1');
  });

  test('several logs; lookup by origin', () => {
    const other = logSigner('other.example');
    const p = parsePolicy(lg + `log ${verifierKey(other)}\nquorum none\n`);
    expect(policyLogVerifier(p, 'other.example').keyId).toBe(other.keyId);
    expect(policyLogVerifiers(p, 'log.example').length).toBe(1);
    expect(codeOf(() => policyLogVerifier(p, 'nope.example'))).toBe('UNKNOWN_KEY');
  });
});

describe('strict parsing (MALFORMED_POLICY with the line)', () => {
  const w = (n: string, key = W[n]!) => `witness ${n} ${verifierKey(key)}\n`;
  const lg = `log ${verifierKey(log)}\n`;
  const cases: [string, string, number][] = [
    ['no quorum', lg, 1],
    ['two quorums', lg + 'quorum none\nquorum none\n', 3],
    ['quorum before definition', lg + 'quorum X1\n' + w('X1'), 2],
    ['group member before definition', lg + 'group g any X1\n' + w('X1') + 'quorum g\n', 2],
    ['group with no members', lg + w('X1') + 'group g any\nquorum g\n', 3],
    ['threshold 0', lg + w('X1') + 'group g 0 X1\nquorum g\n', 3],
    ['threshold above n', lg + w('X1') + 'group g 2 X1\nquorum g\n', 3],
    ['threshold with leading zero', lg + w('X1') + 'group g 01 X1\nquorum g\n', 3],
    ['member listed twice in a group', lg + w('X1') + 'group g any X1 X1\nquorum g\n', 3],
    ['member in two groups', lg + w('X1') + w('X2') + 'group g any X1\ngroup h any X1 X2\nquorum h\n', 5],
    ['none as member', lg + w('X1') + 'group g any none X1\nquorum g\n', 3],
    ['witness named none', lg + `witness none ${verifierKey(W.X1!)}\nquorum none\n`, 2],
    ['duplicate witness name', lg + w('X1') + `witness X1 ${verifierKey(W.X2!)}\nquorum X1\n`, 3],
    ['group reusing a witness name', lg + w('X1') + 'group X1 any X1\nquorum X1\n', 3],
    ['duplicate witness key under another name', lg + w('X1') + `witness X9 ${verifierKey(W.X1!)}\nquorum X1\n`, 3],
    ['duplicate key between log and witness (same Ed25519 key)', lg + `witness X1 ${verifierKey(witnessSigner('log.example', 'log.example'))}\nquorum X1\n`, 2],
    ['duplicate log', lg + lg + 'quorum none\n', 2],
    ['log with a witness key type', `log ${verifierKey(W.X1!)}\nquorum none\n`, 1],
    ['witness with a log key type', lg + `witness X1 ${verifierKey(logSigner('x.example'))}\nquorum X1\n`, 2],
    ['bad vkey', lg + 'witness X1 nope+00000000+AAAA\nquorum X1\n', 2],
    ['too many fields', lg + `witness X1 ${verifierKey(W.X1!)} https://a https://b\nquorum X1\n`, 2],
    ['unknown keyword', lg + 'witnesses X1\nquorum none\n', 2],
    ['CR', lg.replace('\n', '\r\n') + 'quorum none\n', 1],
    ['control character', lg + 'quorum\u0001none\n', 2],
    ['quorum with two names', lg + 'quorum none none\n', 2],
  ];
  for (const [name, text, line] of cases) {
    test(name, () => {
      let err: unknown;
      try {
        parsePolicy(text);
      } catch (e) {
        err = e;
      }
      expect((err as RunproofError | undefined)?.code).toBe('MALFORMED_POLICY');
      expect((err as RunproofError).path).toBe(`line ${line}`);
    });
  }

  test('invalid UTF-8 bytes', () => {
    const b = Buffer.from('# \xff\nquorum none\n', 'latin1');
    expect(codeOf(() => parsePolicy(b))).toBe('MALFORMED_POLICY');
  });

  test('at least 32 logs, witnesses and groups are supported', () => {
    const logs = Array.from({ length: 32 }, (_, i) => `log ${verifierKey(logSigner(`l${i}.example`))}\n`).join('');
    const ws = Array.from({ length: 32 }, (_, i) => `witness w${i} ${verifierKey(witnessSigner(`w${i}.example`))}\n`).join('');
    const gs = Array.from({ length: 32 }, (_, i) => `group g${i} any w${i}\n`).join('');
    const p = parsePolicy(logs + ws + gs + `group top 32 ${Array.from({ length: 32 }, (_, i) => `g${i}`).join(' ')}\nquorum top\n`);
    expect(p.groups.length).toBe(33);
    const all = p.witnesses.map((x) => x.verifier.name);
    expect(quorumError(p, all)).toBeUndefined();
    expect(quorumError(p, all.slice(1))?.evidence?.failedGroups).toEqual(['g0', 'top']);
    expect(policyCosigners(p).length).toBe(32);
    expect(toVerifier(p.logs[0]!.verifier).keyId).toBe(p.logs[0]!.verifier.keyId);
  });
});
