import { bytesToHex } from '@noble/hashes/utils.js'
import { LEAF_BYTES, TAG_BYTES, isZeroLeaf } from './batch-digest.ts'
import type { BatchProof } from '../diff.ts'
import type { ReplicaId, WriterCard } from '../types.ts'

/** Two valid proofs of one writer that disagree on a seq: the writer signed two entries for one dot. */
export interface Equivocation {
  readonly seq: number
  readonly kept: BatchProof
  readonly other: BatchProof
}

/** Whether two byte strings are equal. */
export function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

function sameLeaf (a: BatchProof, b: BatchProof, seq: number): boolean {
  const i = (seq - a.first) * LEAF_BYTES
  const j = (seq - b.first) * LEAF_BYTES
  for (let k = 0; k < LEAF_BYTES; k++) if (a.leaves[i + k] !== b.leaves[j + k]) return false
  return true
}

/** Equivocations of one writer a store keeps the proof of, to show others: beyond, the oldest go. */
export const MAX_EQUIVOCATIONS_KEPT = 64

/** A signed removal: the member whose batch lists it, and that batch. */
export interface RemovalCause {
  readonly remover: ReplicaId
  readonly batch: BatchProof
}

/**
 * Why a seq of this writer is dead, in a form any store can check: a removal signed by a member
 * (its batch lists it, with the tag of the leaf it removed), the writer's own batch signing the
 * seq as issued with no entry (a zero leaf), or two batches of the writer that disagree on it.
 */
export type DeathCause =
  | ({ readonly kind: 'removal' } & RemovalCause)
  | { readonly kind: 'void', readonly batch: BatchProof }
  | { readonly kind: 'equivocation', readonly kept: BatchProof, readonly other: BatchProof }

/** Batches of removals only kept per writer: beyond, the oldest go (a member could send them without end). */
export const MAX_REMOVAL_ONLY_KEPT = 1024

/**
 * The signed batches a store holds of one writer, ascending by first seq: what it serves with
 * that writer's entries, where a removal's tag is checked, and the writer's attested max (the
 * highest seq its key signed for, as far as this store knows). Also the pairs of batches that
 * disagree on a seq (equivocations), which it sends with that seq's death so that every store
 * that takes the death sees the proof of it.
 */
export class WriterProofs {
  card: WriterCard | undefined
  readonly #proofs: BatchProof[] = []
  readonly #added: ((proof: BatchProof) => void) | undefined
  readonly #equivocations = new Map<number, Equivocation>()
  /** Batches of removals only (`count` 0: a transaction of deletes) by first seq and removals digest, in the order they came. */
  readonly #removalOnly = new Map<string, BatchProof>()
  /** The signed removal that killed each seq a member removed (the remover's batch lists it). */
  readonly #removedBy = new Map<number, RemovalCause>()

  /** `added` hears of every proof kept, once: the writer's content digest takes its leaves in. */
  constructor (added?: (proof: BatchProof) => void) {
    this.#added = added
  }

  get attestedMax (): number {
    const last = this.#proofs.at(-1)
    return last == null ? 0 : last.first + last.count - 1
  }

  /** The highest seq a signed proof here covers: an own batch sealed but not signed yet attests nothing to others. */
  get signedMax (): number {
    const latest = this.#latestSigned()
    return latest == null ? 0 : latest.first + latest.count - 1
  }

  get size (): number {
    return this.#proofs.length
  }

  get latest (): BatchProof | undefined {
    return this.#proofs.at(-1)
  }

  /** Index of the last proof whose first seq is at most `seq`, or −1. */
  #indexAt (seq: number): number {
    let low = 0
    let high = this.#proofs.length - 1
    let found = -1
    while (low <= high) {
      const middle = (low + high) >>> 1
      if (this.#proofs[middle].first <= seq) {
        found = middle
        low = middle + 1
      } else {
        high = middle - 1
      }
    }
    return found
  }

  /** The proof covering `seq`, if this store holds it. */
  find (seq: number): BatchProof | undefined {
    const at = this.#indexAt(seq)
    // Never read index -1: V8 looks a negative index up as a named property, off its fast path.
    if (at < 0) return undefined
    const proof = this.#proofs[at]
    return seq < proof.first + proof.count ? proof : undefined
  }

  /** The 16-byte leaf of `seq`, if a proof covers it. */
  leafAt (seq: number): Uint8Array | undefined {
    const proof = this.find(seq)
    if (proof == null) return undefined
    const at = (seq - proof.first) * LEAF_BYTES
    return proof.leaves.subarray(at, at + LEAF_BYTES)
  }

  /** Hands `fn` the leaves and offset of each of `seqs` (ascending) that a proof covers, in one walk along the proofs. */
  leavesOf (seqs: readonly number[], fn: (leaves: Uint8Array, at: number) => void): void {
    const proofs = this.#proofs
    if (proofs.length === 0 || seqs.length === 0) return
    let i = Math.max(this.#indexAt(seqs[0]), 0)
    for (const seq of seqs) {
      // The last proof starting at or before seq, as find() picks it.
      while (i + 1 < proofs.length && proofs[i + 1].first <= seq) i++
      const proof = proofs[i]
      if (seq >= proof.first && seq < proof.first + proof.count) fn(proof.leaves, (seq - proof.first) * LEAF_BYTES)
    }
  }

  /**
   * Keeps a verified proof. Returns the equivocation when it disagrees with a proof already kept
   * on a seq both cover (the earlier proof stays), true when it was kept, false when it was
   * already. A batch of removals only is kept apart ({@link removalOnly}), as the evidence of
   * the deaths it caused.
   */
  add (proof: BatchProof): Equivocation | boolean {
    if (proof.count === 0) {
      if (proof.removals == null || proof.removals.length === 0) return false
      const id = `${proof.first}:${bytesToHex(proof.removalsDigest)}`
      if (this.#removalOnly.has(id)) return false
      // Until a death index keeps only the removals that killed something, the oldest go.
      if (this.#removalOnly.size >= MAX_REMOVAL_ONLY_KEPT) this.#removalOnly.delete(this.#removalOnly.keys().next().value!)
      this.#removalOnly.set(id, proof)
      return true
    }
    const end = proof.first + proof.count
    let at = this.#indexAt(proof.first)
    // Proofs overlapping this one: the one at or before its start, and those starting inside it.
    for (let i = Math.max(at, 0); i < this.#proofs.length && this.#proofs[i].first < end; i++) {
      const kept = this.#proofs[i]
      const from = Math.max(kept.first, proof.first)
      const to = Math.min(kept.first + kept.count, end)
      for (let seq = from; seq < to; seq++) if (!sameLeaf(kept, proof, seq)) return { seq, kept, other: proof }
      if (kept.first === proof.first && kept.count === proof.count) return false
    }
    at++
    this.#proofs.splice(at, 0, proof)
    this.#added?.(proof)
    return true
  }

  /** Keeps the proof of an equivocation; false when this seq's was kept already (reported once). */
  noteEquivocation (equivocation: Equivocation): boolean {
    if (this.#equivocations.has(equivocation.seq)) return false
    if (this.#equivocations.size >= MAX_EQUIVOCATIONS_KEPT) this.#equivocations.delete(this.#equivocations.keys().next().value!)
    this.#equivocations.set(equivocation.seq, equivocation)
    return true
  }

  /** Both proofs of every kept equivocation whose seq `has` names. */
  equivocationProofs (has: (seq: number) => boolean): BatchProof[] {
    const out: BatchProof[] = []
    for (const { seq, kept, other } of this.#equivocations.values()) if (has(seq)) out.push(kept, other)
    return out
  }

  /** The signed proofs covering `seqs` (ascending), and (`withLatest`) the latest signed one. */
  covering (seqs: readonly number[], withLatest = true): BatchProof[] {
    const out: BatchProof[] = []
    for (const seq of seqs) {
      if (out.length > 0 && seq < out[out.length - 1].first + out[out.length - 1].count) continue
      const proof = this.find(seq)
      if (proof != null && proof.signature.byteLength > 0) out.push(proof)
    }
    const latest = withLatest ? this.#latestSigned() : undefined
    if (latest != null && out.at(-1) !== latest) out.push(latest)
    return out
  }

  #latestSigned (): BatchProof | undefined {
    for (let i = this.#proofs.length - 1; i >= 0; i--) if (this.#proofs[i].signature.byteLength > 0) return this.#proofs[i]
    return undefined
  }

  /** Notes that a signed removal in `batch` of `remover` killed `seq` (the first such cause stays). */
  noteRemoval (seq: number, cause: RemovalCause): void {
    if (!this.#removedBy.has(seq)) this.#removedBy.set(seq, cause)
  }

  /** How many seqs a noted removal killed. */
  get removalsNoted (): number {
    return this.#removedBy.size
  }

  /** The evidence of a dead seq's death, if this store holds it. */
  causeOf (seq: number): DeathCause | undefined {
    const removal = this.#removedBy.get(seq)
    if (removal != null) return { kind: 'removal', ...removal }
    const equivocation = this.#equivocations.get(seq)
    if (equivocation != null) return { kind: 'equivocation', kept: equivocation.kept, other: equivocation.other }
    const batch = this.find(seq)
    if (batch == null || batch.signature.byteLength === 0) return undefined
    const at = (seq - batch.first) * LEAF_BYTES
    return isZeroLeaf(batch.leaves, at) ? { kind: 'void', batch } : undefined
  }

  /**
   * The 8-byte tag of a dead seq whose death has no evidence here though a signed proof holds
   * its real entry leaf (what {@link causeOf} would find nothing for), else undefined. Makes
   * nothing for a seq that has a cause: an open runs it over every dead seq.
   */
  unprovenTag (seq: number): Uint8Array | undefined {
    if (this.#removedBy.has(seq) || this.#equivocations.has(seq)) return undefined
    const batch = this.find(seq)
    if (batch == null || batch.signature.byteLength === 0) return undefined
    const at = (seq - batch.first) * LEAF_BYTES
    return isZeroLeaf(batch.leaves, at) ? undefined : batch.leaves.subarray(at, at + TAG_BYTES)
  }

  /** The batch of removals only from `first` whose removals digest is `digest`, if kept. */
  removalOnlyAt (first: number, digest: Uint8Array): BatchProof | undefined {
    return this.#removalOnly.get(`${first}:${bytesToHex(digest)}`)
  }

  /** The seqs of the equivocations kept (at most {@link MAX_EQUIVOCATIONS_KEPT}). */
  equivocatedSeqs (): IterableIterator<number> {
    return this.#equivocations.keys()
  }

  /** The batches of removals only kept, in the order they came. */
  removalOnly (): BatchProof[] {
    return [...this.#removalOnly.values()]
  }

  /** Every proof kept, ascending. */
  all (): readonly BatchProof[] {
    return this.#proofs
  }
}
