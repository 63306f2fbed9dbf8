import { checkGroupSignatures, proofsOfDiff, type GroupProofs } from './diff-proofs.ts'
import { checkOpsSignatures, proofsOfOpsOnce, type OpsProof } from './ops-proofs.ts'
import { PendingRemovals, sameTag } from './pending-removals.ts'
import { EquivocationEvent } from './equivocation-event.ts'
import { refuseUnsignedDiff, refuseUnsignedOps } from './unsigned-intake.ts'
import type { ReplicaState } from '../replica-state.ts'
import type { BatchProof, Diff } from '../diff.ts'
import type { RemovalCause } from './writer-proofs.ts'
import type { Dot, Op, ReplicaId, WriterCard } from '../types.ts'

export const MAX_PENDING_REMOVALS = 4096

/**
 * What the store does about writer keys for what others wrote (its own commits are signed by
 * LocalWrites): checking that what arrives is signed by its writer (ops and diffs alike),
 * keeping the proofs, noting equivocations, and deciding whether a removal takes effect.
 */
export class WriterIntake {
  /** Deaths a diff brings are taken only with their evidence. */
  readonly signed: boolean = true
  readonly #replica: (id: ReplicaId) => ReplicaState | undefined
  readonly #pending: PendingRemovals
  /** Equivocations found by the integration under way: their dots die once it is done. */
  #equivocations: EquivocationEvent[] = []

  constructor (replica: (id: ReplicaId) => ReplicaState | undefined, maxPendingRemovals: number | undefined) {
    this.#replica = replica
    this.#pending = new PendingRemovals(maxPendingRemovals ?? MAX_PENDING_REMOVALS)
  }

  /** The equivocations found since the last call. */
  takeEquivocations (): EquivocationEvent[] {
    if (this.#equivocations.length === 0) return []
    const found = this.#equivocations
    this.#equivocations = []
    return found
  }

  /** The proofs of `ops`, every signature checked; throws before anything changed. */
  checkOps (ops: readonly Op[]): OpsProof[] {
    refuseUnsignedOps(ops)
    const proofs = proofsOfOpsOnce(ops)
    checkOpsSignatures(proofs)
    return proofs
  }

  /** Each group's proofs, every signature checked; throws before anything changed. */
  checkDiff (diff: Diff): GroupProofs[] {
    refuseUnsignedDiff(diff)
    const checked = proofsOfDiff(diff)
    diff.groups.forEach((group, i) => { checkGroupSignatures(group, checked[i]) })
    return checked
  }

  /**
   * Keeps a verified proof of `replica`; `kept` hears of it if it is new. One that disagrees with
   * a proof kept is an equivocation, reported once per dot (a diff shows it again with the dot's
   * death).
   */
  keep (replica: ReplicaState, card: WriterCard, proof: BatchProof, kept: (proof: BatchProof) => void): void {
    replica.proofs.card ??= card
    const added = replica.proofs.add(proof)
    if (added === true) kept(proof)
    else if (added !== false && replica.proofs.noteEquivocation(added)) this.#equivocations.push(new EquivocationEvent(replica.id, added))
  }

  /**
   * The writer whose dot a verified removal kills now: only a live entry whose leaf the tag
   * matches. A removal of a dot not seen yet waits for its entry; a dot already dead, or an
   * entry the tag does not match, is left alone.
   */
  removalTarget (dot: Dot, cause: RemovalCause | undefined): ReplicaState | undefined {
    const replica = this.#replica(dot.replica)
    const tag = dot.tag!
    if (replica == null || !replica.seen.has(dot.seq)) {
      if (cause != null) this.#pending.add(dot.replica, dot.seq, tag, cause)
      return undefined
    }
    if (replica.dots.get(dot.seq) == null) return undefined
    const leaf = replica.proofs.leafAt(dot.seq)
    if (leaf == null || !sameTag(tag, leaf)) return undefined
    // The removal kills it: the batch that signed the removal is the evidence of its death.
    if (cause != null) replica.proofs.noteRemoval(dot.seq, cause)
    return replica
  }

  /** Whether an arriving entry was removed before it came (a removal waited for it, whose batch is then its death's evidence). */
  removedOnArrival (replica: ReplicaState, seq: number): boolean {
    if (this.#pending.size === 0) return false
    const leaf = replica.proofs.leafAt(seq)
    const cause = leaf == null ? undefined : this.#pending.take(replica.id, seq, leaf)
    if (cause == null) return false
    replica.proofs.noteRemoval(seq, cause)
    return true
  }

  /** The first seq of `replica` whose death a diff may not bring: none beyond what its key attested. */
  deathLimit (replica: ReplicaState): number {
    return replica.proofs.attestedMax + 1
  }
}
