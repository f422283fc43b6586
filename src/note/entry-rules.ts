/**
 * The entry rules of a runproof log (docs/specification.md §7), the one statement of them for the
 * audit (verifier/audit/) and the monitor (monitor/): every entry is {@link ENTRY_SIZE} bytes of
 * type 0x01 with a time of at most 2^53−1 ms; times never decrease along the log; no identity is
 * logged twice.
 *
 * The check reads an entry in place (`data[offset …]`, e.g. inside an entry bundle) and creates
 * no per-entry objects, so a million-entry audit pays nothing for sharing it. A broken rule is
 * reported to a callback: the audit throws from it to stop at the first fault, the monitor
 * collects every one.
 */
import { toHex } from '../encoding/hex.js';
import { formatIdentity } from '../declaration/identity.js';
import { ENTRY_IDENTITY_OFFSET, ENTRY_IDENTITY_SIZE, ENTRY_SIZE, ENTRY_TYPE_OFFSET, ENTRY_TYPE_RUN_DECLARED, entryTime } from './entry.js';

/** Which entry rule an entry broke. */
export type EntryRule = 'malformed' | 'time-decreased' | 'duplicate-identity';

/** One broken rule: what is wrong (without the entry's index) and the details a third party checks. */
export interface EntryFault {
  rule: EntryRule;
  message: string;
  /** `entry` (hex) when malformed; `expected`/`found` for a time; `identity`/`earlier` for a repeat. */
  evidence: Record<string, unknown>;
}

/** What the rules carry from one entry to the next. */
export interface EntryRulesState {
  /** The time of the latest entry so far (0 before the first). */
  lastTime: number;
}

/**
 * Remembers identities: `seen(data, offset, index)` records the 32-byte identity at
 * `data[offset …]` as entry `index`'s and returns undefined, or returns the index of the earlier
 * entry that has it (and records nothing).
 */
export type IdentityIndex = (data: Uint8Array, offset: number, index: number) => number | undefined;

/**
 * checkEntry applies the entry rules to entry `index`, the `length` bytes at `data[offset …]`,
 * and reports each broken rule to `onFault`. A malformed entry is reported alone (its time and
 * identity mean nothing); otherwise a time going back and a repeated identity are both
 * reported. `state.lastTime` becomes the latest time seen.
 */
export function checkEntry(
  data: Uint8Array,
  offset: number,
  length: number,
  index: number,
  state: EntryRulesState,
  seen: IdentityIndex,
  onFault: (fault: EntryFault) => void,
): void {
  const malformed = (message: string) => onFault({ rule: 'malformed', message, evidence: { entry: toHex(data.subarray(offset, offset + length)) } });
  if (length !== ENTRY_SIZE) return malformed(`entry is ${length} bytes, want ${ENTRY_SIZE}`);
  const type = data[offset + ENTRY_TYPE_OFFSET]!;
  if (type !== ENTRY_TYPE_RUN_DECLARED) return malformed(`unknown entry type 0x${type.toString(16).padStart(2, '0')}`);
  const time = entryTime(data, offset);
  if (!Number.isSafeInteger(time)) return malformed('entry time is above 2^53-1');
  if (time < state.lastTime) {
    onFault({ rule: 'time-decreased', message: `time ${time} is before the previous entry's ${state.lastTime}`, evidence: { expected: `≥ ${state.lastTime}`, found: time } });
  } else {
    state.lastTime = time;
  }
  const at = offset + ENTRY_IDENTITY_OFFSET;
  const earlier = seen(data, at, index);
  if (earlier !== undefined) {
    const identity = formatIdentity(data.subarray(at, at + ENTRY_IDENTITY_SIZE));
    onFault({ rule: 'duplicate-identity', message: `identity ${identity} was already logged at index ${earlier}`, evidence: { identity, earlier } });
  }
}
