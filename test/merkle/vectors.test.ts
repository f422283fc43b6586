/**
 * Known-answer tests: the RFC 6962 leaf set of the Certificate Transparency tests and the
 * transparency-dev/merkle inclusion and consistency probes (test/vectors/merkle/*.json).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromBase64 } from '../../src/encoding/base64.js';
import { fromHex, toHex } from '../../src/encoding/hex.js';
import { isRunproofError } from '../../src/errors.js';
import { EMPTY_ROOT, leafHash, nodeHash, sha256 } from '../../src/merkle/hash.js';
import { consistencyProofFromHashes, consistencyProofNodes, inclusionProofFromHashes, inclusionProofNodes, verifyConsistency, verifyInclusion } from '../../src/merkle/proof.js';
import { appendLeaves, rootFromHashes, rootNodes, type NodeId } from '../../src/merkle/tree.js';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../vectors/merkle/${name}`, import.meta.url), 'utf8'));
const tree = load('rfc6962-tree.json') as { leaves: string[]; nodeHashes: string[][]; roots: string[] };
const incl = load('inclusion.json') as { cases: { file: string; leafIdx: number; treeSize: number; root: string; leafHash: string; proof: string[] | null; wantErr: boolean }[] };
const cons = load('consistency.json') as { cases: { file: string; size1: number; size2: number; root1: string; root2: string; proof: string[] | null; wantErr: boolean }[] };

// Base64 as the vectors write it; "" stands for an empty (so malformed) hash.
const b64 = (s: string) => (s === '' ? new Uint8Array(0) : fromBase64(s));
const read = (nodes: readonly NodeId[]) => nodes.map((n) => fromHex(tree.nodeHashes[n.level]![n.index]!));

function outcome(f: () => void): 'ok' | 'PROOF_FAILED' {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (isRunproofError(e, 'PROOF_FAILED')) return 'PROOF_FAILED';
    throw e;
  }
}

describe('RFC 6962 hashing (CT test leaf set)', () => {
  it('hashes the empty tree, leaves and nodes', () => {
    expect(toHex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(sha256(new Uint8Array(0)))).toBe(toHex(EMPTY_ROOT));
    tree.leaves.forEach((leaf, i) => expect(toHex(leafHash(fromHex(leaf)))).toBe(tree.nodeHashes[0]![i]));
    for (let level = 1; level < tree.nodeHashes.length; level++) {
      tree.nodeHashes[level]!.forEach((h, i) => {
        const below = tree.nodeHashes[level - 1]!;
        expect(toHex(nodeHash(fromHex(below[2 * i]!), fromHex(below[2 * i + 1]!)))).toBe(h);
      });
    }
  });

  it('gives the root of every prefix from its right edge', () => {
    tree.roots.forEach((root, size) => expect(toHex(rootFromHashes(size, read(rootNodes(size))))).toBe(root));
  });

  it('gives the same roots and node hashes when appending leaf by leaf', () => {
    let edge: Uint8Array[] = [];
    const seen = new Map<string, string>();
    for (let size = 0; size < tree.leaves.length; size++) {
      const r = appendLeaves(edge, size, [leafHash(fromHex(tree.leaves[size]!))]);
      edge = r.rightEdge;
      expect(toHex(rootFromHashes(size + 1, edge))).toBe(tree.roots[size + 1]);
      for (const { node, hash } of r.newNodes) seen.set(`${node.level}/${node.index}`, toHex(hash));
    }
    // Every complete subtree was reported exactly as the reference lists it.
    const want = new Map(tree.nodeHashes.flatMap((hs, level) => hs.map((h, i) => [`${level}/${i}`, h] as const)));
    expect(seen).toEqual(want);
  });

  it('a leaf is never a node: leafHash and nodeHash are domain-separated', () => {
    const l = fromHex(tree.nodeHashes[0]![0]!), r = fromHex(tree.nodeHashes[0]![1]!);
    const concat = new Uint8Array([...l, ...r]);
    expect(toHex(leafHash(concat))).not.toBe(toHex(nodeHash(l, r)));
  });
});

describe('transparency-dev/merkle inclusion probes', () => {
  for (const c of incl.cases) {
    it(`${c.file}: ${c.wantErr ? 'rejects' : 'accepts'}`, () => {
      const proof = (c.proof ?? []).map(b64);
      const got = outcome(() => verifyInclusion(b64(c.leafHash), c.leafIdx, c.treeSize, proof, b64(c.root)));
      expect(got).toBe(c.wantErr ? 'PROOF_FAILED' : 'ok');
      if (!c.wantErr) {
        // Our prover makes the same proof from the reference node hashes.
        const made = inclusionProofFromHashes(c.leafIdx, c.treeSize, read(inclusionProofNodes(c.leafIdx, c.treeSize)));
        expect(made.map(toHex)).toEqual(proof.map(toHex));
      }
    });
  }
});

describe('transparency-dev/merkle consistency probes', () => {
  for (const c of cons.cases) {
    it(`${c.file}: ${c.wantErr ? 'rejects' : 'accepts'}`, () => {
      const proof = (c.proof ?? []).map(b64);
      const got = outcome(() => verifyConsistency(c.size1, c.size2, b64(c.root1), b64(c.root2), proof));
      expect(got).toBe(c.wantErr ? 'PROOF_FAILED' : 'ok');
      if (!c.wantErr) {
        const made = consistencyProofFromHashes(c.size1, c.size2, read(consistencyProofNodes(c.size1, c.size2)));
        expect(made.map(toHex)).toEqual(proof.map(toHex));
      }
    });
  }
});
