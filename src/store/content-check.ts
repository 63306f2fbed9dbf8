import { SetDigest, leafHashA, leafHashB } from './dot-hash.ts'
import type { ClockSet } from './clock-set.ts'
import type { BatchProof, DiffGroup } from './diff.ts'
import type { ReplicaState } from './replica-state.ts'

// Two stores that hold the same live dots of a writer but different signed versions of one of
// them (the writer equivocated, and each saw one version) agree on the live digest, which hashes
// dots. The content digest (the live entries' leaves) tells them apart; the responder then shows
// its proofs of the live seqs both have seen, and the requester's proof check finds the
// equivocation, reports it and kills the dot, as every store that sees both versions does.

/**
 * Whether the requester's content digest of `replica` (`theirs`) differs from ours once the live
 * digests agree: ours less the leaves of the live entries it has not seen (`unseen`), theirs less
 * the leaves of the entries it holds live that we know dead (`confirmed`). False when we lack the
 * leaf of one of those: then nothing can be said, and the next round, with those deaths taken,
 * compares again.
 */
export function contentsDiffer (replica: ReplicaState, theirs: Uint8Array, unseen: readonly number[], confirmed: ClockSet | undefined): boolean {
  const ours = replica.contentDigest.copy()
  for (const seq of unseen) {
    const leaf = replica.proofs.leafAt(seq)
    if (leaf != null) ours.subtract(leafHashA(leaf), leafHashB(leaf))
  }
  const expected = SetDigest.fromBytes(theirs)
  if (confirmed != null) {
    for (const seq of confirmed) {
      const leaf = replica.proofs.leafAt(seq)
      if (leaf == null) return false
      expected.subtract(leafHashA(leaf), leafHashB(leaf))
    }
  }
  return !ours.equals(expected)
}

/**
 * A group with `shown` proofs (ascending) added to those of its entries, ascending without
 * overlap: a shown proof that overlaps one of the entries' is left out (it is the same batch, or
 * covers the same leaves).
 */
export function withShownProofs (group: DiffGroup, shown: readonly BatchProof[]): DiffGroup {
  if (shown.length === 0) return group
  const own = group.proofs ?? []
  const proofs: BatchProof[] = []
  let at = 0
  let end = 1
  for (const proof of shown) {
    while (at < own.length && own[at].first <= proof.first) {
      proofs.push(own[at])
      end = own[at].first + own[at].count
      at++
    }
    const next = own[at]
    if (proof.first >= end && (next == null || proof.first + proof.count <= next.first)) {
      proofs.push(proof)
      end = proof.first + proof.count
    }
  }
  for (; at < own.length; at++) proofs.push(own[at])
  return { ...group, proofs }
}
