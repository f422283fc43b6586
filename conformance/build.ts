/** All conformance vector files, by file name (see conformance/README.md). */
import { buildIdentityVectors } from './build-identity.js';
import { buildMapperVectors } from './build-mappers.js';
import { buildMerkleVectors } from './build-merkle.js';
import { buildNoteVectors } from './build-notes.js';
import { buildReceiptVectors } from './build-receipts.js';

/** buildAll returns every vector file's content. */
export function buildAll(): Record<string, unknown> {
  return {
    'identity.json': buildIdentityVectors(),
    'mappers.json': buildMapperVectors(),
    'merkle.json': buildMerkleVectors(),
    'notes.json': buildNoteVectors(),
    'receipts.json': buildReceiptVectors(),
  };
}
