/**
 * The entry rules (src/note/entry-rules.ts), the one statement of them that the audit and the
 * monitor share: each broken rule is reported once, with its evidence; a malformed entry alone.
 */
import { describe, expect, test } from 'vitest';
import { encodeEntry, ENTRY_IDENTITY_OFFSET, ENTRY_SIZE } from '../../src/note/entry.js';
import { checkEntry, type EntryFault, type IdentityIndex } from '../../src/note/entry-rules.js';
import { toHex } from '../../src/encoding/hex.js';

const id = (n: number) => new Uint8Array(32).fill(n);

/** Runs the rules over `entries` in order, as one log, and returns every fault with its index. */
function faults(entries: Uint8Array[], lastTime = 0): { index: number; fault: EntryFault }[] {
  const seenIds = new Map<string, number>();
  const seen: IdentityIndex = (data, offset, index) => {
    const key = toHex(data.subarray(offset, offset + 32));
    const earlier = seenIds.get(key);
    if (earlier === undefined) seenIds.set(key, index);
    return earlier;
  };
  const state = { lastTime };
  const out: { index: number; fault: EntryFault }[] = [];
  entries.forEach((e, index) => checkEntry(e, 0, e.length, index, state, seen, (fault) => out.push({ index, fault })));
  return out;
}

describe('entry rules', () => {
  test('a good log breaks none, and the state ends at the last time', () => {
    const log = [1, 2, 2, 9].map((t, i) => encodeEntry({ type: 1, timestamp: t, identity: id(i) }));
    expect(faults(log)).toEqual([]);
  });

  test('time going back and a repeated identity are both reported, with evidence', () => {
    const log = [encodeEntry({ type: 1, timestamp: 10, identity: id(1) }), encodeEntry({ type: 1, timestamp: 5, identity: id(1) })];
    expect(faults(log)).toEqual([
      { index: 1, fault: { rule: 'time-decreased', message: "time 5 is before the previous entry's 10", evidence: { expected: '≥ 10', found: 5 } } },
      { index: 1, fault: { rule: 'duplicate-identity', message: `identity sha256:${'01'.repeat(32)} was already logged at index 0`, evidence: { identity: `sha256:${'01'.repeat(32)}`, earlier: 0 } } },
    ]);
  });

  test('the time carried in from earlier entries counts', () => {
    expect(faults([encodeEntry({ type: 1, timestamp: 5, identity: id(1) })], 6).map((f) => f.fault.rule)).toEqual(['time-decreased']);
  });

  test('a malformed entry is reported alone: wrong size, unknown type, time above 2^53-1', () => {
    const good = encodeEntry({ type: 1, timestamp: 5, identity: id(1) });
    const wrongType = Uint8Array.from(good);
    wrongType[0] = 2;
    const hugeTime = Uint8Array.from(good);
    hugeTime.fill(0xff, 1, 9);
    const got = faults([good.subarray(0, ENTRY_SIZE - 1), wrongType, hugeTime]);
    expect(got.map((f) => [f.index, f.fault.rule, f.fault.message])).toEqual([
      [0, 'malformed', 'entry is 40 bytes, want 41'],
      [1, 'malformed', 'unknown entry type 0x02'],
      [2, 'malformed', 'entry time is above 2^53-1'],
    ]);
    expect(got[1]!.fault.evidence).toEqual({ entry: toHex(wrongType) });
  });

  test('reads the entry in place, inside a larger buffer', () => {
    const e = encodeEntry({ type: 1, timestamp: 7, identity: id(3) });
    const buf = new Uint8Array(5 + ENTRY_SIZE);
    buf.set(e, 5);
    const offsets: number[] = [];
    checkEntry(buf, 5, ENTRY_SIZE, 0, { lastTime: 0 }, (_d, o) => (offsets.push(o), undefined), () => expect.fail('no fault'));
    expect(offsets).toEqual([5 + ENTRY_IDENTITY_OFFSET]);
  });
});
