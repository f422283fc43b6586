/**
 * Trust options of the client library: exactly one of a log verifier key (`vkey`, the
 * c2sp.org/signed-note verifier-key text) or a c2sp.org/tlog-policy (text or parsed). They are
 * checked when a client is created, so a typo fails at start-up rather than on the first call.
 */
import { RunproofError } from '../src/errors.js';
import { parseVerifierKey } from '../src/note/keys.js';
import { parsePolicy, type TrustPolicy } from '../src/note/policy.js';
import type { ReceiptTrust } from '../src/receipt/verify.js';

/** The trust fields a caller may pass. */
export interface TrustOptions {
  /** The log's verifier key, `name+hexkeyid+base64(0x01‖pubkey)`. */
  vkey?: string;
  /** A c2sp.org/tlog-policy: its text, or a policy already parsed with `parsePolicy`. */
  policy?: string | TrustPolicy;
}

/**
 * resolveTrust checks that exactly one of `vkey` and `policy` is given and parses it.
 * @throws RunproofError MALFORMED_KEY or MALFORMED_POLICY for bad text, MALFORMED_REQUEST if
 *   both or neither are given
 */
export function resolveTrust(opts: TrustOptions): ReceiptTrust {
  const hasKey = opts.vkey !== undefined;
  const hasPolicy = opts.policy !== undefined;
  if (hasKey === hasPolicy) {
    throw new RunproofError('MALFORMED_REQUEST', 'give exactly one of vkey and policy to verify receipts against', { path: hasKey ? 'policy' : 'vkey' });
  }
  if (opts.vkey !== undefined) {
    parseVerifierKey(opts.vkey);
    return { vkey: opts.vkey };
  }
  const policy = opts.policy!;
  return { policy: typeof policy === 'string' ? parsePolicy(policy) : policy };
}
