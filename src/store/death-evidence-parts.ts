import { ClockSet } from './clock-set.ts'
import type { BatchProof, EvidenceRemoval, RemovalEvidence } from './diff.ts'
import type { ReplicaState } from './replica-state.ts'
import type { ReplicaId, WriterCard } from './types.ts'

/** A proof's bytes besides the leaves it carries. */
const PROOF_OVERHEAD = 130

/**
 * Deaths of one writer that go in one frame, with what proves them: the writer's proofs the
 * requester needs (the leaf a removal's tag is checked against, a zero leaf), and the members'
 * batches whose removals caused them (each sent once a frame, however many deaths it caused).
 */
export interface DeathPart {
  readonly deaths: ClockSet
  readonly proofs: BatchProof[]
  readonly causes: Map<BatchProof, ReplicaId>
  bytes: number
}

/** What the responder knows of the requester and of this diff so far. */
export interface EvidenceContext {
  /** Whether the requester said it has seen this dot (it then holds its leaf). */
  seen: (replica: ReplicaId, seq: number) => boolean
  /** Proofs earlier frames of this diff carried: the requester keeps them. */
  readonly sent: Set<BatchProof>
  /** Every tag written out (the requester asked for evidence in full). */
  readonly fullTags: boolean
  /** The card of a writer this store knows. */
  card: (replica: ReplicaId) => WriterCard | undefined
}

/**
 * Cuts `piece` (deaths of `replica`) into parts whose evidence stays within `budget` bytes, each
 * death in `prove` going with its evidence (`WriterProofs.causeOf`). A death to prove whose
 * evidence this store does not hold is left out: a requester would not take it. `piece` belongs
 * to the parts from then on.
 */
export function * deathParts (replica: ReplicaState, piece: ClockSet, prove: ClockSet | undefined, budget: number, context: EvidenceContext): Generator<DeathPart> {
  const need = prove == null ? undefined : piece.intersect(prove)
  if (need == null || need.isEmpty) {
    need?.dispose()
    yield { deaths: piece, proofs: [], causes: new Map(), bytes: 0 }
    return
  }
  const { proofs } = replica
  const unprovable = new ClockSet()
  let from = piece.min()!
  let part: DeathPart = { deaths: piece, proofs: [], causes: new Map(), bytes: 0 }
  const cut = (end: number): DeathPart => {
    const deaths = piece.slice(from, end)
    deaths.subtract(unprovable)
    return { ...part, deaths }
  }
  // What one death adds to the part: its cause's batch and the writer's proof, unless there already.
  const adds = (seq: number): { cause?: [BatchProof, ReplicaId], proofs: BatchProof[], bytes: number } | undefined => {
    const cause = proofs.causeOf(seq)
    if (cause == null) return undefined
    if (cause.kind === 'equivocation') return { proofs: [], bytes: 0 }
    const needed: BatchProof[] = []
    if (cause.kind === 'void') {
      // The zero leaf is checked in the frame's own proofs of the writer.
      if (!part.proofs.includes(cause.batch)) needed.push(cause.batch)
    } else {
      if (cause.batch.removals == null || context.card(cause.remover) == null) return undefined
      if (!context.seen(replica.id, seq)) {
        const covering = proofs.find(seq)
        if (covering == null || covering.signature.byteLength === 0) return undefined
        if (!context.sent.has(covering) && !part.proofs.includes(covering)) needed.push(covering)
      }
    }
    let bytes = needed.reduce((n, p) => n + PROOF_OVERHEAD + p.leaves.byteLength, 0)
    const fresh = cause.kind === 'removal' && !part.causes.has(cause.batch)
    if (fresh) bytes += evidenceBytesOf(cause.batch, !context.sent.has(cause.batch))
    return { cause: fresh ? [cause.batch, cause.remover] : undefined, proofs: needed, bytes }
  }
  for (const seq of need) {
    let add = adds(seq)
    if (add == null) {
      unprovable.add(seq)
      continue
    }
    if (part.bytes + add.bytes > budget && part.bytes > 0) {
      yield cut(seq)
      from = seq
      part = { deaths: piece, proofs: [], causes: new Map(), bytes: 0 }
      add = adds(seq)!
    }
    if (add.cause != null) part.causes.set(...add.cause)
    part.proofs.push(...add.proofs)
    part.bytes += add.bytes
  }
  need.dispose()
  yield cut(piece.max()! + 1)
  unprovable.dispose()
  piece.dispose()
}

/** The evidence item of a remover's batch for one frame: whole unless the requester holds the batch; tags left out where it holds the leaf. */
export function evidenceOf (batch: BatchProof, remover: ReplicaId, held: boolean, context: EvidenceContext): RemovalEvidence {
  const removals: EvidenceRemoval[] = batch.removals!.map((dot) => held && !context.fullTags && context.seen(dot.replica, dot.seq) ? { replica: dot.replica, seq: dot.seq } : { replica: dot.replica, seq: dot.seq, tag: dot.tag })
  const base = { remover, first: batch.first, count: batch.count, removals }
  return held ? base : { ...base, whole: { card: context.card(remover)!, salt: batch.salt, signature: batch.signature, leaves: batch.leaves } }
}

/** Proofs of one writer merged, ascending by first seq, each once. */
export function mergeProofs (a: readonly BatchProof[], b: readonly BatchProof[]): BatchProof[] {
  if (b.length === 0) return [...a]
  const all = [...new Set([...a, ...b])]
  return all.sort((x, y) => x.first - y.first)
}

/** What a remover's batch costs as evidence (an upper bound): its removals, and the batch itself when sent whole. */
function evidenceBytesOf (batch: BatchProof, whole: boolean): number {
  const removals = batch.removals?.length ?? 0
  return 40 + removals * (5 + (whole ? 8 : 0)) + (whole ? 48 + 16 + 64 + batch.leaves.byteLength : 0)
}
