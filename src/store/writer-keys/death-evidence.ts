import { LEAF_BYTES, TAG_BYTES, batchDigest, removalsDigest, type TaggedDot } from './batch-digest.ts'
import { checkSignature, verifySignatureAhead } from './signature-check.ts'
import { InvalidSignatureError } from './errors.ts'
import { sameTag } from './pending-removals.ts'
import { sameBytes } from './writer-proofs.ts'
import { replicaIdOfCard } from './writer-key.ts'
import type { GroupProofs } from './diff-proofs.ts'
import type { RemovalCause } from './writer-proofs.ts'
import type { BatchProof, Diff, RemovalEvidence } from '../diff.ts'
import type { ReplicaState } from '../replica-state.ts'
import type { ReplicaId, WriterCard } from '../types.ts'

/** A remover's batch that came whole with a frame: kept once the frame is taken. */
export interface EvidenceBatch {
  readonly remover: ReplicaId
  readonly card: WriterCard
  readonly proof: BatchProof
}

/**
 * The evidence a diff frame brings for its deaths, checked before the frame changes anything:
 * per dead writer, the seqs a member's signed removal names with the tag of the leaf the puller
 * knows (from the frame's proofs or its own), each with the batch that signed it. A batch sent
 * whole whose signature fails refuses the frame (`InvalidSignatureError`); one that cannot be
 * checked here (its proof or a dead entry's leaf unknown) proves nothing, and its deaths wait.
 */
export class FrameEvidence {
  readonly #causes = new Map<ReplicaId, Map<number, RemovalCause>>()
  /** Whole batches checked, to keep with the frame. */
  readonly whole: EvidenceBatch[] = []
  /** Some evidence could not be checked here: a tag to take from our leaf (unknown, or another version's), or a batch named by reference that we hold in another version. */
  unchecked = false

  /** `groups` are the frame's checked group proofs, `known` this store's writers. */
  constructor (diff: Diff, groups: readonly GroupProofs[], known: (id: ReplicaId) => ReplicaState | undefined) {
    if (diff.evidence == null || diff.evidence.length === 0) return
    const inFrame = new Map<ReplicaId, readonly BatchProof[]>()
    diff.groups.forEach((group, i) => { if (groups[i].proofs.length > 0) inFrame.set(group.replica, groups[i].proofs) })
    const leafOf = (id: ReplicaId, seq: number): Uint8Array | undefined => {
      for (const proof of inFrame.get(id) ?? []) {
        if (seq >= proof.first && seq < proof.first + proof.count) return proof.leaves.subarray((seq - proof.first) * LEAF_BYTES, (seq - proof.first + 1) * LEAF_BYTES)
      }
      return known(id)?.proofs.leafAt(seq)
    }
    for (const batch of diff.evidence) {
      const removals = tagged(batch, leafOf)
      const filled = batch.removals.some((removal) => removal.tag == null)
      const proof = removals == null ? undefined : batch.whole != null ? this.#checkWhole(batch, removals, filled) : held(batch, removals, inFrame, known)
      if (proof == null || removals == null) {
        // Sent by reference, but the batch we hold from that seq is not the one named (the
        // remover signed two): only the batch sent whole can show it, so ask in full.
        this.unchecked ||= filled || batch.whole == null
        continue
      }
      const cause: RemovalCause = { remover: batch.remover, batch: proof }
      for (const dot of removals) {
        const leaf = leafOf(dot.replica, dot.seq)
        if (leaf == null || !sameTag(dot.tag, leaf)) continue
        let seqs = this.#causes.get(dot.replica)
        if (seqs == null) this.#causes.set(dot.replica, seqs = new Map())
        if (!seqs.has(dot.seq)) seqs.set(dot.seq, cause)
      }
    }
  }

  /** The signed removal of `seq` of `replica` this frame proves, if any. */
  causeOf (replica: ReplicaId, seq: number): RemovalCause | undefined {
    return this.#causes.get(replica)?.get(seq)
  }

  /** The seqs of `replica` this frame proves dead by removals. */
  seqsOf (replica: ReplicaId): Iterable<number> {
    return this.#causes.get(replica)?.keys() ?? []
  }

  /** A batch sent whole: its card is the remover's and its signature covers these removals (`filled`: some tags came from our leaves). */
  #checkWhole (batch: RemovalEvidence, removals: TaggedDot[], filled: boolean): BatchProof | undefined {
    const { card, salt, signature, leaves } = batch.whole!
    if (replicaIdOfCard(card) !== batch.remover) throw new InvalidSignatureError(`evidence of ${batch.remover}: the card is not the remover's`)
    const digest = removalsDigest(removals)
    const proof: BatchProof = { first: batch.first, count: batch.count, salt, removalsDigest: digest, leaves, signature, removals }
    try {
      checkSignature(card, batchDigest(batch.remover, batch.first, batch.count, salt, digest, leaves), signature, `evidence of ${batch.remover} from seq ${batch.first}`)
    } catch (err) {
      // A tag taken from a leaf of ours that is another version than the one removed: unproven, not forged.
      if (filled && err instanceof InvalidSignatureError) return undefined
      throw err
    }
    this.whole.push({ remover: batch.remover, card, proof })
    return proof
  }
}

/** The batch's removals with every tag, those left out taken from the leaves we know; undefined if one is unknown. */
function tagged (batch: RemovalEvidence, leafOf: (id: ReplicaId, seq: number) => Uint8Array | undefined): TaggedDot[] | undefined {
  const out: TaggedDot[] = []
  for (const { replica, seq, tag } of batch.removals) {
    if (tag != null) {
      out.push({ replica, seq, tag })
      continue
    }
    const leaf = leafOf(replica, seq)
    if (leaf == null) return undefined
    out.push({ replica, seq, tag: leaf.slice(0, TAG_BYTES) })
  }
  return out
}

/** The remover's batch as this store holds it (checked before, or in this frame), with these removals if they are the ones it signed. */
function held (batch: RemovalEvidence, removals: TaggedDot[], inFrame: Map<ReplicaId, readonly BatchProof[]>, known: (id: ReplicaId) => ReplicaState | undefined): BatchProof | undefined {
  const digest = removalsDigest(removals)
  const proofs = known(batch.remover)?.proofs
  const candidates = batch.count === 0
    ? [proofs?.removalOnlyAt(batch.first, digest)]
    : [...(inFrame.get(batch.remover) ?? []).filter((p) => p.first === batch.first), proofs?.find(batch.first)]
  for (const proof of candidates) {
    if (proof == null || proof.first !== batch.first || proof.count !== batch.count || proof.signature.byteLength === 0) continue
    if (!sameBytes(proof.removalsDigest, digest)) continue
    return { ...proof, removals }
  }
  return undefined
}

/** Verifies a diff's whole evidence batches ahead of a synchronous integration (browsers), where their tags are all given. */
export async function verifyEvidenceAhead (diff: Diff): Promise<void> {
  const pending: Array<Promise<boolean>> = []
  for (const batch of diff.evidence ?? []) {
    if (batch.whole == null || batch.removals.some((r) => r.tag == null)) continue
    const digest = removalsDigest(batch.removals as TaggedDot[])
    pending.push(verifySignatureAhead(batch.whole.card, batchDigest(batch.remover, batch.first, batch.count, batch.whole.salt, digest, batch.whole.leaves), batch.whole.signature))
  }
  await Promise.all(pending)
}
