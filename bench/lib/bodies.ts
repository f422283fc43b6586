/**
 * Request bodies for the benchmarks: realistic run declarations (run-declaration/v1, ≈1.3 KB,
 * each made distinct by its salt) and batches of identities or declarations. Deterministic
 * identities let the harness and the load generator name the same logged entries without
 * passing lists between processes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { canonicalJson } from '../../src/json/canonical.js';

/** A realistic Anthropic Messages declaration, salt left out (it is appended per request). */
const TEMPLATE = {
  schema: 'run-declaration/v1',
  api: 'anthropic.messages',
  api_version: '2023-06-01',
  model: { provider: 'anthropic', name: 'claude-haiku-4-5-20251001' },
  parameters: { max_tokens: 1024, temperature: 0, stop_sequences: ['</answer>'], tool_choice: { type: 'auto' } },
  instructions: 'You are a support agent for a hardware retailer. Answer only from the policy in the user turn, cite the clause, and never promise a refund the policy does not grant.',
  context: {
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: '<policy>\nReturns policy (v3, 2024-05-01)\nUnopened items: refund within 30 days of delivery.\nOpened items: store credit within 14 days.\nDamaged on arrival: replacement or refund at the customer\'s choice.\n</policy>' },
          { type: 'text', text: 'I opened the drill 20 days ago and it works. Can I still return it for my money back?' },
        ],
      },
    ],
    documents: [{ name: 'returns-policy.md', digest: 'sha256:38cc8509a386992a260373c92df854955e79fbc2618da0a2bf142a195f8631eb', media_type: 'text/markdown', size: 214 }],
  },
  tools: [
    {
      name: 'create_ticket',
      description: 'Open a support ticket for a human agent',
      input_schema: { type: 'object', properties: { summary: { type: 'string' }, priority: { type: 'string', enum: ['low', 'normal', 'high'] } }, required: ['summary'] },
    },
  ],
};

/** The template as compact JSON text in its own member order, without its closing brace. */
const PREFIX = JSON.stringify(TEMPLATE).slice(0, -1);

/**
 * The template with a salt as RFC 8785 canonical text, split where the salt goes ("salt" sorts
 * between "parameters" and "schema"; a salt is base64url, which needs no escape).
 */
const CANONICAL = canonicalJson({ ...TEMPLATE, salt: '\u0000' }).split(JSON.stringify('\u0000'));

/**
 * saltFactory returns a function that yields distinct 22-character base64url salts: a random
 * per-process prefix and a counter, so bodies differ across processes and runs.
 */
export function saltFactory(): () => string {
  const prefix = randomBytes(9).toString('base64url'); // 12 characters
  let n = 0;
  return () => prefix + (n++).toString(36).padStart(10, '0');
}

/**
 * declarationText returns one declaration with the given salt as its canonical text: the bytes the
 * runproof client sends when it submits a declaration (client/declare.ts, `submit: 'declaration'`).
 */
export function declarationText(salt: string): string {
  return `${CANONICAL[0]}"${salt}"${CANONICAL[1]}`;
}

/**
 * compactDeclarationText is the same declaration as compact JSON in the template's member order:
 * not canonical, as a client that does not canonicalise might send it. The log writes its
 * canonical form before hashing.
 */
export function compactDeclarationText(salt: string): string {
  return `${PREFIX},"salt":"${salt}"}`;
}

/** identityBody returns `{"identity":"sha256:…"}` with a random identity. */
export function identityBody(): string {
  return `{"identity":"sha256:${randomBytes(32).toString('hex')}"}`;
}

/** identityBatchBody returns `{"items":[{"identity":"sha256:…"},…]}` with `n` random identities. */
export function identityBatchBody(n: number): string {
  const raw = randomBytes(32 * n).toString('hex');
  const items: string[] = new Array(n);
  for (let i = 0; i < n; i++) items[i] = `{"identity":"sha256:${raw.slice(64 * i, 64 * i + 64)}"}`;
  return `{"items":[${items.join(',')}]}`;
}

/** declarationBatchBody returns `{"items":[{"declaration":{…}},…]}` with `n` distinct declarations. */
export function declarationBatchBody(n: number, salt: () => string): string {
  const items: string[] = new Array(n);
  for (let i = 0; i < n; i++) items[i] = `{"declaration":${declarationText(salt())}}`;
  return `{"items":[${items.join(',')}]}`;
}

/** benchIdentity is the digest of the i-th entry of a bench-built log: SHA-256("runproof-bench:" + i). */
export function benchIdentity(i: number): Buffer {
  return createHash('sha256').update(`runproof-bench:${i}`).digest();
}
