import { batchDigest, leafOf, leafOfParts, DIGEST_BYTES, LEAF_BYTES, MAX_BATCH_SEQS, SALT_BYTES } from './batch-digest.ts'
import { InvalidSignatureError } from './errors.ts'
import { checkSignature, verifySignatureAhead } from './signature-check.ts'
import { replicaIdOfCard } from './writer-key.ts'
import type { BatchProof, Diff, DiffGroup } from '../diff.ts'
import type { WriterCard } from '../types.ts'

/**
 * A diff group's proofs, completed with the leaves of its entries, then its equivocation proofs,
 * and what each must have been signed over.
 */
export interface GroupProofs {
  readonly card: WriterCard | undefined
  readonly proofs: readonly BatchProof[]
  readonly digests: readonly Uint8Array[]
  /** The highest seq the group's proofs attest. */
  readonly attestedMax: number
}

function refuse (group: DiffGroup, why: string): never {
  throw new InvalidSignatureError(`a diff group of ${group.replica}: ${why}`)
}

/**
 * Recomputes the leaf of every entry of `group` into a copy of the proof covering it, and the
 * digest each proof's signature must cover. Throws {@link InvalidSignatureError} when the card
 * is not the writer's, a proof is malformed, or an entry has no proof.
 */
export function proofsOfGroup (group: DiffGroup): GroupProofs {
  // Deaths the requester has the attestation for already (it saw their seqs) need no proof.
  const equivocations = group.equivocationProofs ?? []
  if ((group.proofs == null || group.proofs.length === 0) && equivocations.length === 0 && (group.packed?.count ?? group.entries.length) === 0) return { card: group.card, proofs: [], digests: [], attestedMax: 0 }
  const card = group.card
  if (card == null || card.publicKey?.byteLength !== 32 || card.nonce?.byteLength !== 16) refuse(group, 'no writer card')
  if (replicaIdOfCard(card) !== group.replica) refuse(group, 'the writer card is not this writer\'s')
  const given = group.proofs ?? []
  if (given.length === 0 && equivocations.length === 0) refuse(group, 'no proof')
  const proofs: Array<BatchProof & { leaves: Uint8Array }> = []
  let end = 1
  for (const proof of given) {
    checkShape(group, proof, end)
    proofs.push({ ...proof, leaves: proof.leaves.slice() })
    end = proof.first + proof.count
  }
  let at = 0
  const cover = (seq: number): BatchProof & { leaves: Uint8Array } => {
    while (at < proofs.length && seq >= proofs[at].first + proofs[at].count) at++
    const proof = proofs[at]
    if (proof == null || seq < proof.first) refuse(group, `no proof covers seq ${seq}`)
    return proof
  }
  const packed = group.packed
  if (packed != null) {
    packed.rewind()
    while (packed.next()) {
      const proof = cover(packed.seq)
      proof.leaves.set(leafOf(proof.salt, packed.seq, packed.hlc.wall, packed.hlc.counter, packed.bytes, packed.keyStart, packed.keyLength, packed.valueLength), (packed.seq - proof.first) * LEAF_BYTES)
    }
    packed.rewind()
  } else {
    for (const entry of group.entries) {
      const proof = cover(entry.seq)
      proof.leaves.set(leafOfParts(proof.salt, entry.seq, entry.hlc.wall, entry.hlc.counter, entry.key, entry.value), (entry.seq - proof.first) * LEAF_BYTES)
    }
  }
  // Equivocation proofs come whole: their leaves are all given, and they may overlap anything.
  for (const proof of equivocations) {
    checkShape(group, proof, 1)
    proofs.push({ ...proof, leaves: proof.leaves.slice() })
  }
  const digests = proofs.map((proof) => batchDigest(group.replica, proof.first, proof.count, proof.salt, proof.removalsDigest, proof.leaves))
  const attestedMax = proofs.reduce((max, proof) => Math.max(max, proof.first + proof.count - 1), 0)
  return { card, proofs, digests, attestedMax }
}

/** A proof's numbers and byte lengths; `from` is the lowest first seq it may have. */
function checkShape (group: DiffGroup, proof: BatchProof, from: number): void {
  const { first, count } = proof
  if (!Number.isInteger(first) || first < from || !Number.isInteger(count) || count < 0 || count > MAX_BATCH_SEQS) refuse(group, `a proof of ${count} seqs from ${first}`)
  if (proof.salt?.byteLength !== SALT_BYTES || proof.removalsDigest?.byteLength !== DIGEST_BYTES || proof.leaves?.byteLength !== count * LEAF_BYTES) refuse(group, 'a malformed proof')
}

/** Checks every proof's signature of a group now. */
export function checkGroupSignatures (group: DiffGroup, checked: GroupProofs): void {
  checked.proofs.forEach((proof, i) => { checkSignature(checked.card!, checked.digests[i], proof.signature, `a diff proof of ${group.replica} from seq ${proof.first}`) })
}

/** Verifies a diff's signatures ahead of a synchronous integration (browsers). */
export async function verifyDiffAhead (diff: Diff): Promise<void> {
  const pending: Array<Promise<void>> = []
  for (const group of diff.groups) {
    let checked: GroupProofs
    try {
      checked = proofsOfGroup(group)
    } catch {
      continue
    }
    checked.proofs.forEach((proof, i) => pending.push(verifySignatureAhead(checked.card!, checked.digests[i], proof.signature).then(() => {})))
  }
  await Promise.all(pending)
}
